// envrecorder: a Go program without the shim, for tests/it/chaincode_launch.rs. The peer
// builds it with its built-in Go builder (GOPATH mode) and starts it as Fabric starts Go
// chaincode (`chaincode -peer.address=<address>`); it writes its arguments and CORE_*
// environment to launch-record.json in its working folder, then waits without ever
// registering, so the launch ends with the startup timeout.
package main

import (
	"encoding/json"
	"os"
	"strings"
	"time"
)

func main() {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CORE_") {
			parts := strings.SplitN(kv, "=", 2)
			env[parts[0]] = parts[1]
		}
	}
	record, err := json.Marshal(map[string]interface{}{"args": os.Args[1:], "env": env})
	if err != nil {
		os.Exit(1)
	}
	if err := os.WriteFile("launch-record.json.tmp", record, 0o644); err != nil {
		os.Exit(1)
	}
	if err := os.Rename("launch-record.json.tmp", "launch-record.json"); err != nil {
		os.Exit(1)
	}
	for {
		time.Sleep(time.Hour)
	}
}

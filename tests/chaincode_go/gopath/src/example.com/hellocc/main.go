// hellocc is a small dependency-free Go program used to check that our
// `peer chaincode package -l golang` writes the same code package as Fabric's CLI:
// it imports one package of the same GOPATH (vendored into the package) and only the
// standard library otherwise.
package main

import (
	"fmt"
	"os"

	"example.com/greeting"
)

func main() {
	fmt.Fprintln(os.Stdout, greeting.Hello("chaincode"))
}

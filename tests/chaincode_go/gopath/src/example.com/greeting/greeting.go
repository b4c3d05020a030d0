// Package greeting is the GOPATH dependency of hellocc.
package greeting

import "strings"

// Hello greets name.
func Hello(name string) string {
	return "hello, " + strings.TrimSpace(name)
}

//go:build tools

// Package fabriccatools pins the Fabric CA v1.5.13 release so that `go build`
// can produce fabric-ca-server and fabric-ca-client, which the network runs
// (one CA server per organisation) and calls (enrolment, revocation). Nothing
// here is compiled into the project itself.
package fabriccatools

import (
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-client"
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-server"
)

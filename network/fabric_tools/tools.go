//go:build tools

// Package fabrictools pins the Fabric v2.5.0 release (commit bd8e24856939) so
// that `go build` can produce the five Fabric commands this project runs as
// native processes. Nothing here is compiled into the project itself.
package fabrictools

import (
	_ "github.com/hyperledger/fabric/cmd/configtxgen"
	_ "github.com/hyperledger/fabric/cmd/cryptogen"
	_ "github.com/hyperledger/fabric/cmd/orderer"
	_ "github.com/hyperledger/fabric/cmd/osnadmin"
	_ "github.com/hyperledger/fabric/cmd/peer"
)

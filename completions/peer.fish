# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_peer_global_optspecs
    string join \n logging-level= h/help
end

function __fish_peer_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_peer_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_peer_using_subcommand
    set -l cmd (__fish_peer_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c peer -n "__fish_peer_needs_command" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c peer -n "__fish_peer_needs_command" -f -a "chaincode" -d 'Install, instantiate, invoke, query and package chaincodes'
complete -c peer -n "__fish_peer_needs_command" -f -a "channel" -d 'Create, join, fetch from and update channels'
complete -c peer -n "__fish_peer_needs_command" -f -a "logging" -d 'Read and change the log levels of a running peer'
complete -c peer -n "__fish_peer_needs_command" -f -a "node" -d 'Start the peer, ask for its status, reset or roll back its ledgers'
complete -c peer -n "__fish_peer_needs_command" -f -a "version" -d 'Print the version of this peer build'
complete -c peer -n "__fish_peer_needs_command" -f -a "help" -d 'Help about any command'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -l transient -d 'Transient map for the proposal, as a JSON object of base64 values' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -f -a "install" -d 'Install a chaincode package (or build one from -n/-v/-p) on a peer'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -f -a "instantiate" -d 'Deploy an installed chaincode on a channel'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -f -a "invoke" -d 'Submit a transaction invoking a chaincode'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -f -a "list" -d 'List the chaincodes installed on a peer or instantiated on a channel'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -f -a "package" -d 'Write a chaincode deployment package to a file, optionally signed'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -f -a "query" -d 'Evaluate a chaincode function on a peer without submitting a transaction'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -f -a "signpackage" -d 'Add this identity\'s signature to a signed chaincode package'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and not __fish_seen_subcommand_from install instantiate invoke list package query signpackage upgrade" -f -a "upgrade" -d 'Replace a chaincode on a channel with a newer installed version'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -l peerAddresses -d 'Peer to connect to (host:port); repeat for several peers [default: peer.address]' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -l tlsRootCertFiles -d 'PEM file of the TLS root certificates of the peer given at the same position in --peerAddresses (when TLS is enabled); repeat as often as --peerAddresses' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -l connectionProfile -d 'Connection profile (YAML or JSON) describing the network, instead of --peerAddresses' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -s c -l ctor -d 'Constructor message as JSON: {"Args":[...]} or {"Function":"...","Args":[...]}' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -s l -l lang -d 'Language of the chaincode: golang, node, java, car, rust or ccaas (case-insensitive)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -s n -l name -d 'Name of the chaincode' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -s p -l path -d 'Path to the chaincode source' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -s v -l version -d 'Version of the chaincode' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -l transient -d 'Transient map for the proposal, as a JSON object of base64 values' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -s C -l channelID -d 'Channel the command applies to' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l collections-config -d 'JSON file with the private data collections of the chaincode' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l peerAddresses -d 'Peer to connect to (host:port); repeat for several peers [default: peer.address]' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l tlsRootCertFiles -d 'PEM file of the TLS root certificates of the peer given at the same position in --peerAddresses (when TLS is enabled); repeat as often as --peerAddresses' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l connectionProfile -d 'Connection profile (YAML or JSON) describing the network, instead of --peerAddresses' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -s c -l ctor -d 'Constructor message as JSON: {"Args":[...]} or {"Function":"...","Args":[...]}' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -s E -l escc -d 'Endorsement system chaincode to use [default: escc]' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -s l -l lang -d 'Language of the chaincode: golang, node, java, car, rust or ccaas (case-insensitive)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -s n -l name -d 'Name of the chaincode' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -s P -l policy -d 'Endorsement policy, e.g. "AND(\'Org1MSP.peer\',\'Org2MSP.peer\')"' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -s v -l version -d 'Version of the chaincode' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -s V -l vscc -d 'Validation system chaincode to use [default: vscc]' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l transient -d 'Transient map for the proposal, as a JSON object of base64 values' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from instantiate" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -s C -l channelID -d 'Channel the command applies to' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l peerAddresses -d 'Peer to connect to (host:port); repeat for several peers [default: peer.address]' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l tlsRootCertFiles -d 'PEM file of the TLS root certificates of the peer given at the same position in --peerAddresses (when TLS is enabled); repeat as often as --peerAddresses' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l connectionProfile -d 'Connection profile (YAML or JSON) describing the network, instead of --peerAddresses' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -s c -l ctor -d 'Invocation message as JSON: {"Args":[...]} or {"Function":"...","Args":[...]}' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -s n -l name -d 'Name of the chaincode' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l waitForEvent -d 'Wait until every peer reports the transaction committed' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l waitForEventTimeout -d 'How long --waitForEvent waits for the commit events' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l transient -d 'Transient map for the proposal, as a JSON object of base64 values' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from invoke" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -s C -l channelID -d 'Channel the command applies to (with --instantiated)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l peerAddresses -d 'Peer to connect to (host:port); repeat for several peers [default: peer.address]' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l tlsRootCertFiles -d 'PEM file of the TLS root certificates of the peer given at the same position in --peerAddresses (when TLS is enabled); repeat as often as --peerAddresses' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l connectionProfile -d 'Connection profile (YAML or JSON) describing the network, instead of --peerAddresses' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l installed -d 'List the chaincodes installed on the peer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l instantiated -d 'List the chaincodes instantiated on the channel given with -C' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l transient -d 'Transient map for the proposal, as a JSON object of base64 values' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -s s -l cc-package -d 'Wrap the deployment spec in a package that owners can sign (SignedCDS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -s c -l ctor -d 'Constructor message as JSON: {"Args":[...]} or {"Function":"...","Args":[...]}' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -s i -l instantiate-policy -d 'Policy saying who may instantiate the package, e.g. "AND(\'Org1MSP.admin\')"' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -s l -l lang -d 'Language of the chaincode: golang, node, java, car, rust or ccaas (case-insensitive)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -s n -l name -d 'Name of the chaincode' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -s p -l path -d 'Path to the chaincode source' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -s S -l sign -d 'Sign the package with the local MSP identity (with -s)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -s v -l version -d 'Version of the chaincode' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -l transient -d 'Transient map for the proposal, as a JSON object of base64 values' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from package" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -s C -l channelID -d 'Channel the command applies to' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -l peerAddresses -d 'Peer to connect to (host:port); repeat for several peers [default: peer.address]' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -l tlsRootCertFiles -d 'PEM file of the TLS root certificates of the peer given at the same position in --peerAddresses (when TLS is enabled); repeat as often as --peerAddresses' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -l connectionProfile -d 'Connection profile (YAML or JSON) describing the network, instead of --peerAddresses' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -s c -l ctor -d 'Query message as JSON: {"Args":[...]} or {"Function":"...","Args":[...]}' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -s x -l hex -d 'Print the answer as hex' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -s n -l name -d 'Name of the chaincode' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -s r -l raw -d 'Print the answer as raw bytes' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -l transient -d 'Transient map for the proposal, as a JSON object of base64 values' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from query" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from signpackage" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from signpackage" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from signpackage" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from signpackage" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from signpackage" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from signpackage" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from signpackage" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from signpackage" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from signpackage" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from signpackage" -l transient -d 'Transient map for the proposal, as a JSON object of base64 values' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from signpackage" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from signpackage" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -s C -l channelID -d 'Channel the command applies to' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l collections-config -d 'JSON file with the private data collections of the chaincode' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l peerAddresses -d 'Peer to connect to (host:port); repeat for several peers [default: peer.address]' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l tlsRootCertFiles -d 'PEM file of the TLS root certificates of the peer given at the same position in --peerAddresses (when TLS is enabled); repeat as often as --peerAddresses' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l connectionProfile -d 'Connection profile (YAML or JSON) describing the network, instead of --peerAddresses' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -s c -l ctor -d 'Constructor message as JSON: {"Args":[...]} or {"Function":"...","Args":[...]}' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -s E -l escc -d 'Endorsement system chaincode to use [default: escc]' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -s l -l lang -d 'Language of the chaincode: golang, node, java, car, rust or ccaas (case-insensitive)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -s n -l name -d 'Name of the chaincode' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -s P -l policy -d 'Endorsement policy, e.g. "AND(\'Org1MSP.peer\',\'Org2MSP.peer\')"' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -s v -l version -d 'Version of the chaincode' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -s V -l vscc -d 'Validation system chaincode to use [default: vscc]' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -s p -l path -d 'Path to the chaincode source' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l transient -d 'Transient map for the proposal, as a JSON object of base64 values' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand chaincode; and __fish_seen_subcommand_from upgrade" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -f -a "create" -d 'Ask the ordering service to create a channel and save its genesis block'
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -f -a "fetch" -d 'Fetch a block of a channel and write it to a file'
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -f -a "getinfo" -d 'Show the height and current block hashes of a channel'
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -f -a "join" -d 'Join the peer to a channel, given the channel\'s genesis block'
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -f -a "list" -d 'List the channels the peer has joined'
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -f -a "signconfigtx" -d 'Add this identity\'s signature to a config update transaction file'
complete -c peer -n "__fish_peer_using_subcommand channel; and not __fish_seen_subcommand_from create fetch getinfo join list signconfigtx update" -f -a "update" -d 'Sign a config update transaction file and send it to the ordering service'
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -s c -l channelID -d 'Name of the channel' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -s f -l file -d 'Channel creation transaction file (made by configtxgen)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -l outputBlock -d 'Where to write the channel\'s genesis block' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -s t -l timeout -d 'How long to wait for the channel to be created' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from fetch" -l bestEffort -d 'Ignore delivery errors and return whatever blocks can be delivered' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from fetch" -s c -l channelID -d 'Name of the channel' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from fetch" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from fetch" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from fetch" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from fetch" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from fetch" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from fetch" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from fetch" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from fetch" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from fetch" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from fetch" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from fetch" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from getinfo" -s c -l channelID -d 'Name of the channel' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from getinfo" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from getinfo" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from getinfo" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from getinfo" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from getinfo" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from getinfo" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from getinfo" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from getinfo" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from getinfo" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from getinfo" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from getinfo" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from join" -s b -l blockpath -d 'Genesis block file of the channel' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from join" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from join" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from join" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from join" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from join" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from join" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from join" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from join" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from join" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from join" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from join" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from list" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from list" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from list" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from list" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from list" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from list" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from list" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from list" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from list" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from list" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from signconfigtx" -s f -l file -d 'Config update transaction file to sign in place' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from signconfigtx" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from signconfigtx" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from signconfigtx" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from signconfigtx" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from signconfigtx" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from signconfigtx" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from signconfigtx" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from signconfigtx" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from signconfigtx" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from signconfigtx" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from signconfigtx" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from update" -s c -l channelID -d 'Name of the channel' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from update" -s f -l file -d 'Config update transaction file' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from update" -s o -l orderer -d 'Ordering service endpoint (host:port)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from update" -l tls -d 'Use TLS when talking to the orderer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from update" -l cafile -d 'PEM file of the CA certificates that sign the orderer\'s TLS certificate' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from update" -l clientauth -d 'Present a client certificate to the orderer (mutual TLS)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from update" -l certfile -d 'PEM file of our TLS client certificate for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from update" -l keyfile -d 'PEM file of our TLS client private key for the orderer (with --clientauth)' -r -F
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from update" -l ordererTLSHostnameOverride -d 'Host name to check the orderer\'s TLS certificate against instead of the address' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from update" -l connTimeout -d 'How long to wait for a connection to be established (Go duration, e.g. 3s)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from update" -l tlsHandshakeTimeShift -d 'Shift the clock used in the TLS handshake with the orderer by this amount' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from update" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand channel; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand logging; and not __fish_seen_subcommand_from getlevel getlogspec revertlevels setlevel setlogspec" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand logging; and not __fish_seen_subcommand_from getlevel getlogspec revertlevels setlevel setlogspec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c peer -n "__fish_peer_using_subcommand logging; and not __fish_seen_subcommand_from getlevel getlogspec revertlevels setlevel setlogspec" -f -a "getlevel" -d 'Show the level of one logger'
complete -c peer -n "__fish_peer_using_subcommand logging; and not __fish_seen_subcommand_from getlevel getlogspec revertlevels setlevel setlogspec" -f -a "getlogspec" -d 'Show the peer\'s whole logging spec'
complete -c peer -n "__fish_peer_using_subcommand logging; and not __fish_seen_subcommand_from getlevel getlogspec revertlevels setlevel setlogspec" -f -a "revertlevels" -d 'Put every logger back to the level it had when the peer started'
complete -c peer -n "__fish_peer_using_subcommand logging; and not __fish_seen_subcommand_from getlevel getlogspec revertlevels setlevel setlogspec" -f -a "setlevel" -d 'Set the level of the loggers whose names start with a prefix'
complete -c peer -n "__fish_peer_using_subcommand logging; and not __fish_seen_subcommand_from getlevel getlogspec revertlevels setlevel setlogspec" -f -a "setlogspec" -d 'Replace the peer\'s logging spec'
complete -c peer -n "__fish_peer_using_subcommand logging; and __fish_seen_subcommand_from getlevel" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand logging; and __fish_seen_subcommand_from getlevel" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand logging; and __fish_seen_subcommand_from getlogspec" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand logging; and __fish_seen_subcommand_from getlogspec" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand logging; and __fish_seen_subcommand_from revertlevels" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand logging; and __fish_seen_subcommand_from revertlevels" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand logging; and __fish_seen_subcommand_from setlevel" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand logging; and __fish_seen_subcommand_from setlevel" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand logging; and __fish_seen_subcommand_from setlogspec" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand logging; and __fish_seen_subcommand_from setlogspec" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand node; and not __fish_seen_subcommand_from reset rollback start status" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand node; and not __fish_seen_subcommand_from reset rollback start status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c peer -n "__fish_peer_using_subcommand node; and not __fish_seen_subcommand_from reset rollback start status" -f -a "reset" -d 'Reset every channel of the peer to its genesis block (the peer must be stopped)'
complete -c peer -n "__fish_peer_using_subcommand node; and not __fish_seen_subcommand_from reset rollback start status" -f -a "rollback" -d 'Roll a channel of the peer back to a block number (the peer must be stopped)'
complete -c peer -n "__fish_peer_using_subcommand node; and not __fish_seen_subcommand_from reset rollback start status" -f -a "start" -d 'Start the peer'
complete -c peer -n "__fish_peer_using_subcommand node; and not __fish_seen_subcommand_from reset rollback start status" -f -a "status" -d 'Ask a running peer for its status'
complete -c peer -n "__fish_peer_using_subcommand node; and __fish_seen_subcommand_from reset" -s y -l yes -d 'Do not ask for confirmation (needed when stdin is not a terminal)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand node; and __fish_seen_subcommand_from reset" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand node; and __fish_seen_subcommand_from reset" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand node; and __fish_seen_subcommand_from rollback" -s y -l yes -d 'Do not ask for confirmation (needed when stdin is not a terminal)' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand node; and __fish_seen_subcommand_from rollback" -s b -l blockNumber -d 'Block number to roll the channel back to' -r
complete -c peer -n "__fish_peer_using_subcommand node; and __fish_seen_subcommand_from rollback" -s c -l channelID -d 'Channel to roll back' -r
complete -c peer -n "__fish_peer_using_subcommand node; and __fish_seen_subcommand_from rollback" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand node; and __fish_seen_subcommand_from rollback" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand node; and __fish_seen_subcommand_from start" -l peer-chaincodedev -d 'Run chaincodes in development mode: they are started by the user, not by the peer' -r -f -a "true\t''
false\t''"
complete -c peer -n "__fish_peer_using_subcommand node; and __fish_seen_subcommand_from start" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand node; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand node; and __fish_seen_subcommand_from status" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand node; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c peer -n "__fish_peer_using_subcommand version" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c peer -n "__fish_peer_using_subcommand help" -l logging-level -d 'Legacy logging level (no longer used; set FABRIC_LOGGING_SPEC instead)' -r
complete -c peer -n "__fish_peer_using_subcommand help" -s h -l help -d 'Print help (see more with \'--help\')'

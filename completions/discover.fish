# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_discover_global_optspecs
    string join \n configFile= peerTLSCA= tlsCert= tlsKey= userKey= userCert= MSP= h/help
end

function __fish_discover_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_discover_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_discover_using_subcommand
    set -l cmd (__fish_discover_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c discover -n "__fish_discover_needs_command" -l configFile -d 'Specifies the config file to load the configuration from' -r -F
complete -c discover -n "__fish_discover_needs_command" -l peerTLSCA -d 'Sets the TLS CA certificate file path that verifies the TLS peer\'s certificate' -r -F
complete -c discover -n "__fish_discover_needs_command" -l tlsCert -d '(Optional) Sets the client TLS certificate file path that is used when the peer enforces client authentication' -r -F
complete -c discover -n "__fish_discover_needs_command" -l tlsKey -d '(Optional) Sets the client TLS key file path that is used when the peer enforces client authentication' -r -F
complete -c discover -n "__fish_discover_needs_command" -l userKey -d 'Sets the user\'s key file path that is used to sign messages sent to the peer' -r -F
complete -c discover -n "__fish_discover_needs_command" -l userCert -d 'Sets the user\'s certificate file path that is used to authenticate the messages sent to the peer' -r -F
complete -c discover -n "__fish_discover_needs_command" -l MSP -d 'Sets the MSP ID of the user, which represents the CA(s) that issued its user certificate' -r
complete -c discover -n "__fish_discover_needs_command" -s h -l help -d 'Print help'
complete -c discover -n "__fish_discover_needs_command" -f -a "peers" -d 'Discover peers'
complete -c discover -n "__fish_discover_needs_command" -f -a "config" -d 'Discover channel config'
complete -c discover -n "__fish_discover_needs_command" -f -a "endorsers" -d 'Discover chaincode endorsers'
complete -c discover -n "__fish_discover_needs_command" -f -a "saveConfig" -d 'Save the config passed by flags into the file specified by --configFile'
complete -c discover -n "__fish_discover_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c discover -n "__fish_discover_using_subcommand peers" -l server -d 'Sets the endpoint of the server to connect' -r
complete -c discover -n "__fish_discover_using_subcommand peers" -l channel -d 'Sets the channel the query is intended to' -r
complete -c discover -n "__fish_discover_using_subcommand peers" -l configFile -d 'Specifies the config file to load the configuration from' -r -F
complete -c discover -n "__fish_discover_using_subcommand peers" -l peerTLSCA -d 'Sets the TLS CA certificate file path that verifies the TLS peer\'s certificate' -r -F
complete -c discover -n "__fish_discover_using_subcommand peers" -l tlsCert -d '(Optional) Sets the client TLS certificate file path that is used when the peer enforces client authentication' -r -F
complete -c discover -n "__fish_discover_using_subcommand peers" -l tlsKey -d '(Optional) Sets the client TLS key file path that is used when the peer enforces client authentication' -r -F
complete -c discover -n "__fish_discover_using_subcommand peers" -l userKey -d 'Sets the user\'s key file path that is used to sign messages sent to the peer' -r -F
complete -c discover -n "__fish_discover_using_subcommand peers" -l userCert -d 'Sets the user\'s certificate file path that is used to authenticate the messages sent to the peer' -r -F
complete -c discover -n "__fish_discover_using_subcommand peers" -l MSP -d 'Sets the MSP ID of the user, which represents the CA(s) that issued its user certificate' -r
complete -c discover -n "__fish_discover_using_subcommand peers" -s h -l help -d 'Print help'
complete -c discover -n "__fish_discover_using_subcommand config" -l server -d 'Sets the endpoint of the server to connect' -r
complete -c discover -n "__fish_discover_using_subcommand config" -l channel -d 'Sets the channel the query is intended to' -r
complete -c discover -n "__fish_discover_using_subcommand config" -l configFile -d 'Specifies the config file to load the configuration from' -r -F
complete -c discover -n "__fish_discover_using_subcommand config" -l peerTLSCA -d 'Sets the TLS CA certificate file path that verifies the TLS peer\'s certificate' -r -F
complete -c discover -n "__fish_discover_using_subcommand config" -l tlsCert -d '(Optional) Sets the client TLS certificate file path that is used when the peer enforces client authentication' -r -F
complete -c discover -n "__fish_discover_using_subcommand config" -l tlsKey -d '(Optional) Sets the client TLS key file path that is used when the peer enforces client authentication' -r -F
complete -c discover -n "__fish_discover_using_subcommand config" -l userKey -d 'Sets the user\'s key file path that is used to sign messages sent to the peer' -r -F
complete -c discover -n "__fish_discover_using_subcommand config" -l userCert -d 'Sets the user\'s certificate file path that is used to authenticate the messages sent to the peer' -r -F
complete -c discover -n "__fish_discover_using_subcommand config" -l MSP -d 'Sets the MSP ID of the user, which represents the CA(s) that issued its user certificate' -r
complete -c discover -n "__fish_discover_using_subcommand config" -s h -l help -d 'Print help'
complete -c discover -n "__fish_discover_using_subcommand endorsers" -l chaincode -d 'Specifies the chaincode name(s)' -r
complete -c discover -n "__fish_discover_using_subcommand endorsers" -l collection -d 'Specifies the collection name(s) as a mapping from chaincode to a comma separated list of collections' -r
complete -c discover -n "__fish_discover_using_subcommand endorsers" -l server -d 'Sets the endpoint of the server to connect' -r
complete -c discover -n "__fish_discover_using_subcommand endorsers" -l channel -d 'Sets the channel the query is intended to' -r
complete -c discover -n "__fish_discover_using_subcommand endorsers" -l configFile -d 'Specifies the config file to load the configuration from' -r -F
complete -c discover -n "__fish_discover_using_subcommand endorsers" -l peerTLSCA -d 'Sets the TLS CA certificate file path that verifies the TLS peer\'s certificate' -r -F
complete -c discover -n "__fish_discover_using_subcommand endorsers" -l tlsCert -d '(Optional) Sets the client TLS certificate file path that is used when the peer enforces client authentication' -r -F
complete -c discover -n "__fish_discover_using_subcommand endorsers" -l tlsKey -d '(Optional) Sets the client TLS key file path that is used when the peer enforces client authentication' -r -F
complete -c discover -n "__fish_discover_using_subcommand endorsers" -l userKey -d 'Sets the user\'s key file path that is used to sign messages sent to the peer' -r -F
complete -c discover -n "__fish_discover_using_subcommand endorsers" -l userCert -d 'Sets the user\'s certificate file path that is used to authenticate the messages sent to the peer' -r -F
complete -c discover -n "__fish_discover_using_subcommand endorsers" -l MSP -d 'Sets the MSP ID of the user, which represents the CA(s) that issued its user certificate' -r
complete -c discover -n "__fish_discover_using_subcommand endorsers" -s h -l help -d 'Print help'
complete -c discover -n "__fish_discover_using_subcommand saveConfig" -l configFile -d 'Specifies the config file to load the configuration from' -r -F
complete -c discover -n "__fish_discover_using_subcommand saveConfig" -l peerTLSCA -d 'Sets the TLS CA certificate file path that verifies the TLS peer\'s certificate' -r -F
complete -c discover -n "__fish_discover_using_subcommand saveConfig" -l tlsCert -d '(Optional) Sets the client TLS certificate file path that is used when the peer enforces client authentication' -r -F
complete -c discover -n "__fish_discover_using_subcommand saveConfig" -l tlsKey -d '(Optional) Sets the client TLS key file path that is used when the peer enforces client authentication' -r -F
complete -c discover -n "__fish_discover_using_subcommand saveConfig" -l userKey -d 'Sets the user\'s key file path that is used to sign messages sent to the peer' -r -F
complete -c discover -n "__fish_discover_using_subcommand saveConfig" -l userCert -d 'Sets the user\'s certificate file path that is used to authenticate the messages sent to the peer' -r -F
complete -c discover -n "__fish_discover_using_subcommand saveConfig" -l MSP -d 'Sets the MSP ID of the user, which represents the CA(s) that issued its user certificate' -r
complete -c discover -n "__fish_discover_using_subcommand saveConfig" -s h -l help -d 'Print help'
complete -c discover -n "__fish_discover_using_subcommand help; and not __fish_seen_subcommand_from peers config endorsers saveConfig help" -f -a "peers" -d 'Discover peers'
complete -c discover -n "__fish_discover_using_subcommand help; and not __fish_seen_subcommand_from peers config endorsers saveConfig help" -f -a "config" -d 'Discover channel config'
complete -c discover -n "__fish_discover_using_subcommand help; and not __fish_seen_subcommand_from peers config endorsers saveConfig help" -f -a "endorsers" -d 'Discover chaincode endorsers'
complete -c discover -n "__fish_discover_using_subcommand help; and not __fish_seen_subcommand_from peers config endorsers saveConfig help" -f -a "saveConfig" -d 'Save the config passed by flags into the file specified by --configFile'
complete -c discover -n "__fish_discover_using_subcommand help; and not __fish_seen_subcommand_from peers config endorsers saveConfig help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

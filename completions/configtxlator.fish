# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_configtxlator_global_optspecs
    string join \n h/help V/version
end

function __fish_configtxlator_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_configtxlator_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_configtxlator_using_subcommand
    set -l cmd (__fish_configtxlator_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c configtxlator -n "__fish_configtxlator_needs_command" -s h -l help -d 'Print help'
complete -c configtxlator -n "__fish_configtxlator_needs_command" -s V -l version -d 'Print version'
complete -c configtxlator -n "__fish_configtxlator_needs_command" -f -a "start" -d 'Start the configtxlator REST server'
complete -c configtxlator -n "__fish_configtxlator_needs_command" -f -a "proto_encode" -d 'Converts a JSON document to protobuf'
complete -c configtxlator -n "__fish_configtxlator_needs_command" -f -a "proto_decode" -d 'Converts a proto message to JSON'
complete -c configtxlator -n "__fish_configtxlator_needs_command" -f -a "compute_update" -d 'Takes two marshaled common.Config messages and computes the config update which transitions between the two'
complete -c configtxlator -n "__fish_configtxlator_needs_command" -f -a "version" -d 'Show version information'
complete -c configtxlator -n "__fish_configtxlator_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c configtxlator -n "__fish_configtxlator_using_subcommand start" -l hostname -d 'The hostname or IP on which the REST server will listen' -r
complete -c configtxlator -n "__fish_configtxlator_using_subcommand start" -l port -d 'The port on which the REST server will listen' -r
complete -c configtxlator -n "__fish_configtxlator_using_subcommand start" -l CORS -d 'Allowable CORS domains, e.g. \'*\' or \'www.example.com\' (may be repeated)' -r
complete -c configtxlator -n "__fish_configtxlator_using_subcommand start" -s h -l help -d 'Print help'
complete -c configtxlator -n "__fish_configtxlator_using_subcommand proto_encode" -l type -d 'The type of protobuf structure to encode to.  For example, \'common.Config\'' -r
complete -c configtxlator -n "__fish_configtxlator_using_subcommand proto_encode" -l input -d 'A file containing the JSON document' -r -F
complete -c configtxlator -n "__fish_configtxlator_using_subcommand proto_encode" -l output -d 'A file to write the output to' -r -F
complete -c configtxlator -n "__fish_configtxlator_using_subcommand proto_encode" -s h -l help -d 'Print help'
complete -c configtxlator -n "__fish_configtxlator_using_subcommand proto_decode" -l type -d 'The type of protobuf structure to decode from.  For example, \'common.Config\'' -r
complete -c configtxlator -n "__fish_configtxlator_using_subcommand proto_decode" -l input -d 'A file containing the proto message' -r -F
complete -c configtxlator -n "__fish_configtxlator_using_subcommand proto_decode" -l output -d 'A file to write the JSON document to' -r -F
complete -c configtxlator -n "__fish_configtxlator_using_subcommand proto_decode" -s h -l help -d 'Print help'
complete -c configtxlator -n "__fish_configtxlator_using_subcommand compute_update" -l original -d 'The original config message' -r -F
complete -c configtxlator -n "__fish_configtxlator_using_subcommand compute_update" -l updated -d 'The updated config message' -r -F
complete -c configtxlator -n "__fish_configtxlator_using_subcommand compute_update" -l channel_id -d 'The name of the channel for this update' -r
complete -c configtxlator -n "__fish_configtxlator_using_subcommand compute_update" -l output -d 'A file to write the JSON document to' -r -F
complete -c configtxlator -n "__fish_configtxlator_using_subcommand compute_update" -s h -l help -d 'Print help'
complete -c configtxlator -n "__fish_configtxlator_using_subcommand version" -s h -l help -d 'Print help'
complete -c configtxlator -n "__fish_configtxlator_using_subcommand help; and not __fish_seen_subcommand_from start proto_encode proto_decode compute_update version help" -f -a "start" -d 'Start the configtxlator REST server'
complete -c configtxlator -n "__fish_configtxlator_using_subcommand help; and not __fish_seen_subcommand_from start proto_encode proto_decode compute_update version help" -f -a "proto_encode" -d 'Converts a JSON document to protobuf'
complete -c configtxlator -n "__fish_configtxlator_using_subcommand help; and not __fish_seen_subcommand_from start proto_encode proto_decode compute_update version help" -f -a "proto_decode" -d 'Converts a proto message to JSON'
complete -c configtxlator -n "__fish_configtxlator_using_subcommand help; and not __fish_seen_subcommand_from start proto_encode proto_decode compute_update version help" -f -a "compute_update" -d 'Takes two marshaled common.Config messages and computes the config update which transitions between the two'
complete -c configtxlator -n "__fish_configtxlator_using_subcommand help; and not __fish_seen_subcommand_from start proto_encode proto_decode compute_update version help" -f -a "version" -d 'Show version information'
complete -c configtxlator -n "__fish_configtxlator_using_subcommand help; and not __fish_seen_subcommand_from start proto_encode proto_decode compute_update version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cryptogen_global_optspecs
    string join \n version h/help
end

function __fish_cryptogen_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cryptogen_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cryptogen_using_subcommand
    set -l cmd (__fish_cryptogen_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cryptogen -n "__fish_cryptogen_needs_command" -l version -d 'Show application version'
complete -c cryptogen -n "__fish_cryptogen_needs_command" -s h -l help -d 'Print help'
complete -c cryptogen -n "__fish_cryptogen_needs_command" -f -a "generate" -d 'Generate key material'
complete -c cryptogen -n "__fish_cryptogen_needs_command" -f -a "showtemplate" -d 'Show the default configuration template'
complete -c cryptogen -n "__fish_cryptogen_needs_command" -f -a "version" -d 'Show version information'
complete -c cryptogen -n "__fish_cryptogen_needs_command" -f -a "extend" -d 'Extend existing network'
complete -c cryptogen -n "__fish_cryptogen_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cryptogen -n "__fish_cryptogen_using_subcommand generate" -l output -d 'The output directory in which to place artifacts' -r -F
complete -c cryptogen -n "__fish_cryptogen_using_subcommand generate" -l config -d 'The configuration template to use' -r -F
complete -c cryptogen -n "__fish_cryptogen_using_subcommand generate" -l version -d 'Show application version'
complete -c cryptogen -n "__fish_cryptogen_using_subcommand generate" -s h -l help -d 'Print help'
complete -c cryptogen -n "__fish_cryptogen_using_subcommand showtemplate" -l version -d 'Show application version'
complete -c cryptogen -n "__fish_cryptogen_using_subcommand showtemplate" -s h -l help -d 'Print help'
complete -c cryptogen -n "__fish_cryptogen_using_subcommand version" -l version -d 'Show application version'
complete -c cryptogen -n "__fish_cryptogen_using_subcommand version" -s h -l help -d 'Print help'
complete -c cryptogen -n "__fish_cryptogen_using_subcommand extend" -l input -d 'The input directory that holds the existing network' -r -F
complete -c cryptogen -n "__fish_cryptogen_using_subcommand extend" -l config -d 'The configuration template to use' -r -F
complete -c cryptogen -n "__fish_cryptogen_using_subcommand extend" -l version -d 'Show application version'
complete -c cryptogen -n "__fish_cryptogen_using_subcommand extend" -s h -l help -d 'Print help'
complete -c cryptogen -n "__fish_cryptogen_using_subcommand help; and not __fish_seen_subcommand_from generate showtemplate version extend help" -f -a "generate" -d 'Generate key material'
complete -c cryptogen -n "__fish_cryptogen_using_subcommand help; and not __fish_seen_subcommand_from generate showtemplate version extend help" -f -a "showtemplate" -d 'Show the default configuration template'
complete -c cryptogen -n "__fish_cryptogen_using_subcommand help; and not __fish_seen_subcommand_from generate showtemplate version extend help" -f -a "version" -d 'Show version information'
complete -c cryptogen -n "__fish_cryptogen_using_subcommand help; and not __fish_seen_subcommand_from generate showtemplate version extend help" -f -a "extend" -d 'Extend existing network'
complete -c cryptogen -n "__fish_cryptogen_using_subcommand help; and not __fish_seen_subcommand_from generate showtemplate version extend help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

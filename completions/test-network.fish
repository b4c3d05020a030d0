# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_test_network_global_optspecs
    string join \n h/help V/version
end

function __fish_test_network_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_test_network_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_test_network_using_subcommand
    set -l cmd (__fish_test_network_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c test-network -n "__fish_test_network_needs_command" -s h -l help -d 'Print help'
complete -c test-network -n "__fish_test_network_needs_command" -s V -l version -d 'Print version'
complete -c test-network -n "__fish_test_network_needs_command" -f -a "up" -d 'Generate crypto and channel artifacts, start the orderer and the peers, create the channel, join every peer and commit each org\'s anchor peer'
complete -c test-network -n "__fish_test_network_needs_command" -f -a "deploy" -d 'Install a chaincode from its source folder on every peer, instantiate it with an endorsement policy (every org\'s peer by default), then invoke and query it'
complete -c test-network -n "__fish_test_network_needs_command" -f -a "down" -d 'Stop every node (SIGTERM, SIGKILL after 10s) and remove the network\'s folder'
complete -c test-network -n "__fish_test_network_needs_command" -f -a "status" -d 'Show each node: whether it runs, its endpoints, the channel height on each peer and whether it leads its org (from its operations endpoint\'s metrics)'
complete -c test-network -n "__fish_test_network_needs_command" -f -a "env" -d 'Print the environment of an org\'s admin for the `peer` CLI (`eval $(test-network env --org 1)`)'
complete -c test-network -n "__fish_test_network_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c test-network -n "__fish_test_network_using_subcommand up" -l dir -d 'The network\'s folder' -r -F
complete -c test-network -n "__fish_test_network_using_subcommand up" -l orgs -d 'Number of peer organizations (Org1MSP, Org2MSP, ...)' -r
complete -c test-network -n "__fish_test_network_using_subcommand up" -l peers-per-org -d 'Number of peers in each organization; they share blocks by gossip, the org\'s leader pulling them from the orderer' -r
complete -c test-network -n "__fish_test_network_using_subcommand up" -l leader -d 'How each org picks its leader: `election` (peer.gossip.useLeaderElection) or `static` (peer0 is peer.gossip.orgLeader). A comma-separated list gives one per org, org 1 first, the last one also for the orgs after it' -r -f -a "election\t'`peer.gossip.useLeaderElection: true` on every peer of the org (Fabric\'s default)'
static\t'`peer.gossip.orgLeader: true` on the org\'s peer0 only, election off everywhere'"
complete -c test-network -n "__fish_test_network_using_subcommand up" -s c -l channel -d 'The application channel to create' -r
complete -c test-network -n "__fish_test_network_using_subcommand up" -l base-port -d 'The orderer\'s port; the peers\' follow (peer0.org1 on base+1, peer0.org2 on base+2001). 0 picks any free ports' -r
complete -c test-network -n "__fish_test_network_using_subcommand up" -l no-chaincode -d 'Leave out the sample chaincode (by default the Rust example02 is installed, instantiated with every org\'s peer in its policy, invoked and queried)'
complete -c test-network -n "__fish_test_network_using_subcommand up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c test-network -n "__fish_test_network_using_subcommand deploy" -l dir -d 'The network\'s folder' -r -F
complete -c test-network -n "__fish_test_network_using_subcommand deploy" -s n -l name -d 'The chaincode\'s name' -r
complete -c test-network -n "__fish_test_network_using_subcommand deploy" -s v -l version -d 'Its version' -r
complete -c test-network -n "__fish_test_network_using_subcommand deploy" -s p -l path -d 'Its source folder (the repository\'s Rust example02 by default)' -r -F
complete -c test-network -n "__fish_test_network_using_subcommand deploy" -s l -l lang -d 'Its language, as `peer chaincode install -l` takes it' -r
complete -c test-network -n "__fish_test_network_using_subcommand deploy" -s c -l ctor -d 'The instantiate constructor' -r
complete -c test-network -n "__fish_test_network_using_subcommand deploy" -s P -l policy -d 'The endorsement policy (default: a peer of every org)' -r
complete -c test-network -n "__fish_test_network_using_subcommand deploy" -l invoke -d 'An invoke to send and wait for after instantiation' -r
complete -c test-network -n "__fish_test_network_using_subcommand deploy" -l query -d 'A query to run last; its answer is printed' -r
complete -c test-network -n "__fish_test_network_using_subcommand deploy" -s h -l help -d 'Print help'
complete -c test-network -n "__fish_test_network_using_subcommand down" -l dir -d 'The network\'s folder' -r -F
complete -c test-network -n "__fish_test_network_using_subcommand down" -l keep -d 'Keep the folder (ledgers, logs, crypto material)'
complete -c test-network -n "__fish_test_network_using_subcommand down" -s h -l help -d 'Print help'
complete -c test-network -n "__fish_test_network_using_subcommand status" -l dir -d 'The network\'s folder' -r -F
complete -c test-network -n "__fish_test_network_using_subcommand status" -s h -l help -d 'Print help'
complete -c test-network -n "__fish_test_network_using_subcommand env" -l dir -d 'The network\'s folder' -r -F
complete -c test-network -n "__fish_test_network_using_subcommand env" -l org -d 'The organization (1 for Org1MSP)' -r
complete -c test-network -n "__fish_test_network_using_subcommand env" -s h -l help -d 'Print help'
complete -c test-network -n "__fish_test_network_using_subcommand help; and not __fish_seen_subcommand_from up deploy down status env help" -f -a "up" -d 'Generate crypto and channel artifacts, start the orderer and the peers, create the channel, join every peer and commit each org\'s anchor peer'
complete -c test-network -n "__fish_test_network_using_subcommand help; and not __fish_seen_subcommand_from up deploy down status env help" -f -a "deploy" -d 'Install a chaincode from its source folder on every peer, instantiate it with an endorsement policy (every org\'s peer by default), then invoke and query it'
complete -c test-network -n "__fish_test_network_using_subcommand help; and not __fish_seen_subcommand_from up deploy down status env help" -f -a "down" -d 'Stop every node (SIGTERM, SIGKILL after 10s) and remove the network\'s folder'
complete -c test-network -n "__fish_test_network_using_subcommand help; and not __fish_seen_subcommand_from up deploy down status env help" -f -a "status" -d 'Show each node: whether it runs, its endpoints, the channel height on each peer and whether it leads its org (from its operations endpoint\'s metrics)'
complete -c test-network -n "__fish_test_network_using_subcommand help; and not __fish_seen_subcommand_from up deploy down status env help" -f -a "env" -d 'Print the environment of an org\'s admin for the `peer` CLI (`eval $(test-network env --org 1)`)'
complete -c test-network -n "__fish_test_network_using_subcommand help; and not __fish_seen_subcommand_from up deploy down status env help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

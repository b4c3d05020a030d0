complete -c fabric-bench -l config -d 'The YAML config (peers, orderer, channel, chaincode, client MSP, load)' -r -F
complete -c fabric-bench -l mode -r -f -a "e2e\t'Endorse, order and observe the commit of every transaction'
endorse\t'Endorse only (nothing is sent to the orderer)'
order\t'Broadcast envelopes made and signed before the clock starts'
observe\t'Only watch the peers\' DeliverFiltered streams and count what commits'"
complete -c fabric-bench -l rate -d 'Open loop: transactions started per second' -r
complete -c fabric-bench -l concurrency -d 'Transactions in flight (closed loop; the in-flight bound in open loop)' -r
complete -c fabric-bench -l count -d 'Number of transactions' -r
complete -c fabric-bench -l duration -d 'How long to send instead of a count (`30s`, `2m`)' -r
complete -c fabric-bench -l channel -r
complete -c fabric-bench -l chaincode -r
complete -c fabric-bench -l function -r
complete -c fabric-bench -l arg -d 'The argument template, replacing the config\'s (repeat for each argument)' -r
complete -c fabric-bench -l conflict-rate -r
complete -c fabric-bench -l connections -d 'gRPC connections per endpoint' -r
complete -c fabric-bench -l broadcast-streams -d 'Broadcast streams to the orderer' -r
complete -c fabric-bench -l plot -d 'Write throughput and latency over time as an SVG' -r -F
complete -c fabric-bench -l pids -d 'Processes whose CPU to report: `orderer=123,peer0=456`' -r
complete -c fabric-bench -l ports -d 'Processes whose CPU to report, found by the port they listen on: `orderer=7050,peer0=7051`' -r
complete -c fabric-bench -l sink -d 'Replace the peers and the orderer by an in-process sink that accepts everything (the tool\'s own ceiling)'
complete -c fabric-bench -l json -d 'Print the summary as JSON instead of tables'
complete -c fabric-bench -l no-progress -d 'No progress bar'
complete -c fabric-bench -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabric-bench -s V -l version -d 'Print version'

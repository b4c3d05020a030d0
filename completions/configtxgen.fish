complete -c configtxgen -l asOrg -d 'Performs the config generation as a particular organization (by name), only including values in the write set that org (likely) has privilege to set' -r
complete -c configtxgen -l channelCreateTxBaseProfile -d 'Specifies a profile to consider as the orderer system channel current state to allow modification of non-application parameters during channel create tx generation. Only valid in conjuction with \'outputCreateChannelTx\'.' -r
complete -c configtxgen -l channelID -d 'The channel ID to use in the configtx' -r
complete -c configtxgen -l configPath -d 'The path containing the configuration to use (if set)' -r
complete -c configtxgen -l inspectBlock -d 'Prints the configuration contained in the block at the specified path' -r
complete -c configtxgen -l inspectChannelCreateTx -d 'Prints the configuration contained in the transaction at the specified path' -r
complete -c configtxgen -l outputAnchorPeersUpdate -d 'Creates an config update to update an anchor peer (works only with the default channel creation, and only for the first update)' -r
complete -c configtxgen -l outputBlock -d 'The path to write the genesis block to (if set)' -r
complete -c configtxgen -l outputCreateChannelTx -d 'The path to write a channel creation configtx to (if set)' -r
complete -c configtxgen -l printOrg -d 'Prints the definition of an organization as JSON. (useful for adding an org to a channel manually)' -r
complete -c configtxgen -l profile -d 'The profile from configtx.yaml to use for generation.' -r
complete -c configtxgen -l version -d 'Show version information' -r -f -a "1\t''
t\t''
T\t''
TRUE\t''
true\t''
True\t''
0\t''
f\t''
F\t''
FALSE\t''
false\t''
False\t''"
complete -c configtxgen -s h -l help -d 'Print the usage and exit'

_peer() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="peer"
                ;;
            peer,chaincode)
                cmd="peer__subcmd__chaincode"
                ;;
            peer,channel)
                cmd="peer__subcmd__channel"
                ;;
            peer,help)
                cmd="peer__subcmd__help"
                ;;
            peer,logging)
                cmd="peer__subcmd__logging"
                ;;
            peer,node)
                cmd="peer__subcmd__node"
                ;;
            peer,version)
                cmd="peer__subcmd__version"
                ;;
            peer__subcmd__chaincode,install)
                cmd="peer__subcmd__chaincode__subcmd__install"
                ;;
            peer__subcmd__chaincode,instantiate)
                cmd="peer__subcmd__chaincode__subcmd__instantiate"
                ;;
            peer__subcmd__chaincode,invoke)
                cmd="peer__subcmd__chaincode__subcmd__invoke"
                ;;
            peer__subcmd__chaincode,list)
                cmd="peer__subcmd__chaincode__subcmd__list"
                ;;
            peer__subcmd__chaincode,package)
                cmd="peer__subcmd__chaincode__subcmd__package"
                ;;
            peer__subcmd__chaincode,query)
                cmd="peer__subcmd__chaincode__subcmd__query"
                ;;
            peer__subcmd__chaincode,signpackage)
                cmd="peer__subcmd__chaincode__subcmd__signpackage"
                ;;
            peer__subcmd__chaincode,upgrade)
                cmd="peer__subcmd__chaincode__subcmd__upgrade"
                ;;
            peer__subcmd__channel,create)
                cmd="peer__subcmd__channel__subcmd__create"
                ;;
            peer__subcmd__channel,fetch)
                cmd="peer__subcmd__channel__subcmd__fetch"
                ;;
            peer__subcmd__channel,getinfo)
                cmd="peer__subcmd__channel__subcmd__getinfo"
                ;;
            peer__subcmd__channel,join)
                cmd="peer__subcmd__channel__subcmd__join"
                ;;
            peer__subcmd__channel,list)
                cmd="peer__subcmd__channel__subcmd__list"
                ;;
            peer__subcmd__channel,signconfigtx)
                cmd="peer__subcmd__channel__subcmd__signconfigtx"
                ;;
            peer__subcmd__channel,update)
                cmd="peer__subcmd__channel__subcmd__update"
                ;;
            peer__subcmd__logging,getlevel)
                cmd="peer__subcmd__logging__subcmd__getlevel"
                ;;
            peer__subcmd__logging,getlogspec)
                cmd="peer__subcmd__logging__subcmd__getlogspec"
                ;;
            peer__subcmd__logging,revertlevels)
                cmd="peer__subcmd__logging__subcmd__revertlevels"
                ;;
            peer__subcmd__logging,setlevel)
                cmd="peer__subcmd__logging__subcmd__setlevel"
                ;;
            peer__subcmd__logging,setlogspec)
                cmd="peer__subcmd__logging__subcmd__setlogspec"
                ;;
            peer__subcmd__node,reset)
                cmd="peer__subcmd__node__subcmd__reset"
                ;;
            peer__subcmd__node,rollback)
                cmd="peer__subcmd__node__subcmd__rollback"
                ;;
            peer__subcmd__node,start)
                cmd="peer__subcmd__node__subcmd__start"
                ;;
            peer__subcmd__node,status)
                cmd="peer__subcmd__node__subcmd__status"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        peer)
            opts="-h --logging-level --help chaincode channel logging node version help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__chaincode)
            opts="-o -h --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --transient --logging-level --help install instantiate invoke list package query signpackage upgrade"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --transient)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__chaincode__subcmd__install)
            opts="-c -l -n -p -v -o -h --peerAddresses --tlsRootCertFiles --connectionProfile --ctor --lang --name --path --version --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --transient --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --peerAddresses)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsRootCertFiles)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connectionProfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ctor)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -c)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -l)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -n)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -p)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -v)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --transient)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__chaincode__subcmd__instantiate)
            opts="-C -c -E -l -n -P -v -V -o -h --channelID --collections-config --peerAddresses --tlsRootCertFiles --connectionProfile --ctor --escc --lang --name --policy --version --vscc --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --transient --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --channelID)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -C)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --collections-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peerAddresses)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsRootCertFiles)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connectionProfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ctor)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -c)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --escc)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -E)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -l)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -n)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --policy)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -P)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -v)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vscc)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -V)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --transient)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__chaincode__subcmd__invoke)
            opts="-C -c -n -o -h --channelID --peerAddresses --tlsRootCertFiles --connectionProfile --ctor --name --waitForEvent --waitForEventTimeout --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --transient --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --channelID)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -C)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peerAddresses)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsRootCertFiles)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connectionProfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ctor)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -c)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -n)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --waitForEvent)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --waitForEventTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --transient)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__chaincode__subcmd__list)
            opts="-C -o -h --channelID --peerAddresses --tlsRootCertFiles --connectionProfile --installed --instantiated --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --transient --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --channelID)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -C)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peerAddresses)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsRootCertFiles)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connectionProfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --installed)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --instantiated)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --transient)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__chaincode__subcmd__package)
            opts="-s -c -i -l -n -p -S -v -o -h --cc-package --ctor --instantiate-policy --lang --name --path --sign --version --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --transient --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --cc-package)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                -s)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --ctor)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -c)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --instantiate-policy)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -i)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -l)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -n)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -p)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --sign)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                -S)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -v)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --transient)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__chaincode__subcmd__query)
            opts="-C -c -x -n -r -o -h --channelID --peerAddresses --tlsRootCertFiles --connectionProfile --ctor --hex --name --raw --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --transient --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --channelID)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -C)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peerAddresses)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsRootCertFiles)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connectionProfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ctor)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -c)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hex)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                -x)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -n)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --raw)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                -r)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --transient)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__chaincode__subcmd__signpackage)
            opts="-o -h --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --transient --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --transient)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__chaincode__subcmd__upgrade)
            opts="-C -c -E -l -n -P -v -V -p -o -h --channelID --collections-config --peerAddresses --tlsRootCertFiles --connectionProfile --ctor --escc --lang --name --policy --version --vscc --path --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --transient --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --channelID)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -C)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --collections-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peerAddresses)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsRootCertFiles)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connectionProfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ctor)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -c)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --escc)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -E)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -l)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -n)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --policy)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -P)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -v)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vscc)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -V)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -p)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --transient)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__channel)
            opts="-o -h --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --logging-level --help create fetch getinfo join list signconfigtx update"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__channel__subcmd__create)
            opts="-c -f -t -o -h --channelID --file --outputBlock --timeout --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --channelID)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -c)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -f)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --outputBlock)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -t)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__channel__subcmd__fetch)
            opts="-c -o -h --bestEffort --channelID --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --bestEffort)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --channelID)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -c)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__channel__subcmd__getinfo)
            opts="-c -o -h --channelID --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --channelID)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -c)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__channel__subcmd__join)
            opts="-b -o -h --blockpath --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --blockpath)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -b)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__channel__subcmd__list)
            opts="-o -h --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__channel__subcmd__signconfigtx)
            opts="-f -o -h --file --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -f)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__channel__subcmd__update)
            opts="-c -f -o -h --channelID --file --orderer --tls --cafile --clientauth --certfile --keyfile --ordererTLSHostnameOverride --connTimeout --tlsHandshakeTimeShift --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --channelID)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -c)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -f)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --orderer)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tls)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --cafile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clientauth)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --certfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ordererTLSHostnameOverride)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connTimeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsHandshakeTimeShift)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__help)
            opts="-h --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__logging)
            opts="-h --logging-level --help getlevel getlogspec revertlevels setlevel setlogspec"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__logging__subcmd__getlevel)
            opts="-h --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__logging__subcmd__getlogspec)
            opts="-h --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__logging__subcmd__revertlevels)
            opts="-h --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__logging__subcmd__setlevel)
            opts="-h --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__logging__subcmd__setlogspec)
            opts="-h --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__node)
            opts="-h --logging-level --help reset rollback start status"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__node__subcmd__reset)
            opts="-y -h --yes --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --yes)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                -y)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__node__subcmd__rollback)
            opts="-y -b -c -h --yes --blockNumber --channelID --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --yes)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                -y)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --blockNumber)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -b)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --channelID)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -c)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__node__subcmd__start)
            opts="-h --peer-chaincodedev --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --peer-chaincodedev)
                    COMPREPLY=($(compgen -W "true false" -- "${cur}"))
                    return 0
                    ;;
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__node__subcmd__status)
            opts="-h --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        peer__subcmd__version)
            opts="-h --logging-level --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --logging-level)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _peer -o nosort -o bashdefault -o default peer
else
    complete -F _peer -o bashdefault -o default peer
fi

_discover() {
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
                cmd="discover"
                ;;
            discover,config)
                cmd="discover__subcmd__config"
                ;;
            discover,endorsers)
                cmd="discover__subcmd__endorsers"
                ;;
            discover,help)
                cmd="discover__subcmd__help"
                ;;
            discover,peers)
                cmd="discover__subcmd__peers"
                ;;
            discover,saveConfig)
                cmd="discover__subcmd__saveConfig"
                ;;
            discover__subcmd__help,config)
                cmd="discover__subcmd__help__subcmd__config"
                ;;
            discover__subcmd__help,endorsers)
                cmd="discover__subcmd__help__subcmd__endorsers"
                ;;
            discover__subcmd__help,help)
                cmd="discover__subcmd__help__subcmd__help"
                ;;
            discover__subcmd__help,peers)
                cmd="discover__subcmd__help__subcmd__peers"
                ;;
            discover__subcmd__help,saveConfig)
                cmd="discover__subcmd__help__subcmd__saveConfig"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        discover)
            opts="-h --configFile --peerTLSCA --tlsCert --tlsKey --userKey --userCert --MSP --help peers config endorsers saveConfig help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --configFile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peerTLSCA)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsCert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsKey)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --userKey)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --userCert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --MSP)
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
        discover__subcmd__config)
            opts="-h --server --channel --configFile --peerTLSCA --tlsCert --tlsKey --userKey --userCert --MSP --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --server)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --channel)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --configFile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peerTLSCA)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsCert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsKey)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --userKey)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --userCert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --MSP)
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
        discover__subcmd__endorsers)
            opts="-h --chaincode --collection --server --channel --configFile --peerTLSCA --tlsCert --tlsKey --userKey --userCert --MSP --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --chaincode)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --collection)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --server)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --channel)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --configFile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peerTLSCA)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsCert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsKey)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --userKey)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --userCert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --MSP)
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
        discover__subcmd__help)
            opts="peers config endorsers saveConfig help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        discover__subcmd__help__subcmd__config)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        discover__subcmd__help__subcmd__endorsers)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        discover__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        discover__subcmd__help__subcmd__peers)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        discover__subcmd__help__subcmd__saveConfig)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        discover__subcmd__peers)
            opts="-h --server --channel --configFile --peerTLSCA --tlsCert --tlsKey --userKey --userCert --MSP --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --server)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --channel)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --configFile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peerTLSCA)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsCert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsKey)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --userKey)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --userCert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --MSP)
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
        discover__subcmd__saveConfig)
            opts="-h --configFile --peerTLSCA --tlsCert --tlsKey --userKey --userCert --MSP --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --configFile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peerTLSCA)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsCert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tlsKey)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --userKey)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --userCert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --MSP)
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
    complete -F _discover -o nosort -o bashdefault -o default discover
else
    complete -F _discover -o bashdefault -o default discover
fi

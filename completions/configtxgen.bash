_configtxgen() {
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
                cmd="configtxgen"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        configtxgen)
            opts="-h --asOrg --channelCreateTxBaseProfile --channelID --configPath --inspectBlock --inspectChannelCreateTx --outputAnchorPeersUpdate --outputBlock --outputCreateChannelTx --printOrg --profile --version --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --asOrg)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --channelCreateTxBaseProfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --channelID)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --configPath)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --inspectBlock)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --inspectChannelCreateTx)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --outputAnchorPeersUpdate)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --outputBlock)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --outputCreateChannelTx)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --printOrg)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --version)
                    COMPREPLY=($(compgen -W "1 t T TRUE true True 0 f F FALSE false False" -- "${cur}"))
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
    complete -F _configtxgen -o nosort -o bashdefault -o default configtxgen
else
    complete -F _configtxgen -o bashdefault -o default configtxgen
fi

# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_chatctl_global_optspecs
    string join \n config= database-url= v/verbose q/quiet h/help V/version
end

function __fish_chatctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_chatctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_chatctl_using_subcommand
    set -l cmd (__fish_chatctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c chatctl -n "__fish_chatctl_needs_command" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_needs_command" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_needs_command" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chatctl -n "__fish_chatctl_needs_command" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "serve" -d 'Serve the HTTP API (applies pending migrations first unless --no-migrate)'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "migrate" -d 'Apply or list schema migrations'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "token" -d 'Mint a Centrifugo connection or subscription token, or an API token for development'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "centrifugo" -d 'Generate a Centrifugo config, or check a running Centrifugo against chatctl\'s keys'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "publish" -d 'Publish a test event on a channel through Centrifugo\'s server API'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "subscribe" -d 'Watch a channel as a user\'s client would, printing each publication'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chatctl -n "__fish_chatctl_using_subcommand serve" -l bind -d 'Address to listen on [env: CHATCTL_BIND] [default: 127.0.0.1:8080]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand serve" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand serve" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand serve" -l no-migrate -d 'Do not apply pending migrations; refuse to start while any are pending'
complete -c chatctl -n "__fish_chatctl_using_subcommand serve" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand serve" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand serve" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand serve" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and not __fish_seen_subcommand_from run status help" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and not __fish_seen_subcommand_from run status help" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and not __fish_seen_subcommand_from run status help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and not __fish_seen_subcommand_from run status help" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and not __fish_seen_subcommand_from run status help" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and not __fish_seen_subcommand_from run status help" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and not __fish_seen_subcommand_from run status help" -f -a "run" -d 'Apply every pending migration (the default)'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and not __fish_seen_subcommand_from run status help" -f -a "status" -d 'List migrations and whether each is applied'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and not __fish_seen_subcommand_from run status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from run" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from run" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from run" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l json -d 'Print JSON instead of a table'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "run" -d 'Apply every pending migration (the default)'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "status" -d 'List migrations and whether each is applied'
complete -c chatctl -n "__fish_chatctl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chatctl -n "__fish_chatctl_using_subcommand token" -l ttl -d 'Lifetime, e.g. 30m, 1h, 7d [default: centrifugo.token_ttl, or 1h with --api]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand token" -l channel -d 'Mint a subscription token for this channel instead of a connection token' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand token" -l name -d 'Name claim of an API token (provisions the user on first use)' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand token" -l email -d 'Email claim of an API token' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand token" -l avatar -d 'Avatar URL claim of an API token' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand token" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand token" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand token" -l api -d 'Mint an API bearer token signed with CHATCTL_AUTH_SECRET (development and scripts)'
complete -c chatctl -n "__fish_chatctl_using_subcommand token" -l json -d 'Print the token with its claims as JSON'
complete -c chatctl -n "__fish_chatctl_using_subcommand token" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand token" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand token" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand token" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and not __fish_seen_subcommand_from config check help" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and not __fish_seen_subcommand_from config check help" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and not __fish_seen_subcommand_from config check help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and not __fish_seen_subcommand_from config check help" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and not __fish_seen_subcommand_from config check help" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and not __fish_seen_subcommand_from config check help" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and not __fish_seen_subcommand_from config check help" -f -a "config" -d 'Print (or write) a Centrifugo config matching chatctl\'s secrets'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and not __fish_seen_subcommand_from config check help" -f -a "check" -d 'Check that Centrifugo is reachable and agrees with chatctl\'s keys and channel rules'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and not __fish_seen_subcommand_from config check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from config" -l format -d 'Which Centrifugo the config is for' -r -f -a "v6\t'Centrifugo v6 (nested keys)'
v5\t'Centrifugo v5 (flat keys)'
legacy\t'The original README\'s keys, for Centrifugo up to v5'"
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from config" -l origin -d 'An allowed browser origin, e.g. https://app.example (repeat for several)' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from config" -l port -d 'Port Centrifugo listens on' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from config" -l out -d 'Write the config to FILE instead of stdout' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from config" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from config" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from config" -l admin -d 'Enable Centrifugo\'s admin UI with a fresh password (printed on stderr)'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from config" -l force -d 'Overwrite FILE when it exists'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from config" -l insecure-open-subscriptions -d 'INSECURE: let any connected user subscribe to any channel without a token, as the original did. Everyone can then read everyone\'s messages'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from config" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from config" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from config" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from check" -l timeout -d 'Seconds to wait for each answer' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from check" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from check" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from help" -f -a "config" -d 'Print (or write) a Centrifugo config matching chatctl\'s secrets'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check that Centrifugo is reachable and agrees with chatctl\'s keys and channel rules'
complete -c chatctl -n "__fish_chatctl_using_subcommand centrifugo; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chatctl -n "__fish_chatctl_using_subcommand publish" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand publish" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand publish" -l raw -d 'Publish the JSON as is instead of string-encoding it like the original'
complete -c chatctl -n "__fish_chatctl_using_subcommand publish" -l json -d 'Print the result as JSON'
complete -c chatctl -n "__fish_chatctl_using_subcommand publish" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand publish" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand publish" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand publish" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand subscribe" -l as -d 'The user to connect as' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand subscribe" -l count -d 'Exit after this many publications' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand subscribe" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand subscribe" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand subscribe" -l json -d 'Print one JSON object per publication'
complete -c chatctl -n "__fish_chatctl_using_subcommand subscribe" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand subscribe" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand subscribe" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand subscribe" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand completions" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand completions" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand completions" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from serve migrate token centrifugo publish subscribe completions help" -f -a "serve" -d 'Serve the HTTP API (applies pending migrations first unless --no-migrate)'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from serve migrate token centrifugo publish subscribe completions help" -f -a "migrate" -d 'Apply or list schema migrations'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from serve migrate token centrifugo publish subscribe completions help" -f -a "token" -d 'Mint a Centrifugo connection or subscription token, or an API token for development'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from serve migrate token centrifugo publish subscribe completions help" -f -a "centrifugo" -d 'Generate a Centrifugo config, or check a running Centrifugo against chatctl\'s keys'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from serve migrate token centrifugo publish subscribe completions help" -f -a "publish" -d 'Publish a test event on a channel through Centrifugo\'s server API'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from serve migrate token centrifugo publish subscribe completions help" -f -a "subscribe" -d 'Watch a channel as a user\'s client would, printing each publication'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from serve migrate token centrifugo publish subscribe completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from serve migrate token centrifugo publish subscribe completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "run" -d 'Apply every pending migration (the default)'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "status" -d 'List migrations and whether each is applied'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from centrifugo" -f -a "config" -d 'Print (or write) a Centrifugo config matching chatctl\'s secrets'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from centrifugo" -f -a "check" -d 'Check that Centrifugo is reachable and agrees with chatctl\'s keys and channel rules'

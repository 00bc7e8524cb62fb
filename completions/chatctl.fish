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
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "init" -d 'Set up a new installation: write chatctl.toml and a matching Centrifugo config with fresh secrets, asking for what is needed (or from flags with --yes)'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "serve" -d 'Serve the HTTP API (applies pending migrations first unless --no-migrate)'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "migrate" -d 'Apply or list schema migrations'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "token" -d 'Mint a Centrifugo connection or subscription token, or an API token for development'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "centrifugo" -d 'Generate a Centrifugo config, or check a running Centrifugo against chatctl\'s keys'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "publish" -d 'Publish a test event on a channel through the realtime server\'s API'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "subscribe" -d 'Watch a channel as a user\'s client would, printing each publication'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "users" -d 'Add, import, list and show users (upsert by the host application\'s user id)'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "inspect" -d 'Look into the database: users, chats, messages, the outbox and counts'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c chatctl -n "__fish_chatctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -l centrifugo-url -d 'Centrifugo\'s address as chatctl reaches it [default: http://127.0.0.1:8000]. Its port is the port the generated Centrifugo config listens on' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -l origin -d 'A browser origin of your web app, e.g. https://app.example (repeat for several); allowed by chatctl\'s CORS and by Centrifugo' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -l auth-public-key -d 'Verify API tokens with this PEM public key (RS256/ES256), e.g. Laravel Passport\'s storage/oauth-public.key, instead of a generated HS256 secret' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -l auth-audience -d 'An accepted token audience (for Passport: the OAuth client id); repeat for several' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -l out-dir -d 'Directory to write chatctl.toml and centrifugo.json in (created when missing)' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -l centrifugo-config -d 'Write the Centrifugo config here instead [default: OUT_DIR/centrifugo.json]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -s y -l yes -d 'Ask nothing: take every answer from the flags below (and --database-url) or their defaults. Needed when stdin is not a terminal'
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -l force -d 'Overwrite files that exist'
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand init" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand serve" -l bind -d 'Address to listen on [env: CHATCTL_BIND] [default: 127.0.0.1:8080]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand serve" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand serve" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand serve" -l no-migrate -d 'Do not apply pending migrations; refuse to start while any are pending'
complete -c chatctl -n "__fish_chatctl_using_subcommand serve" -l demo -d 'Also serve the demo web chat at `/`, with a development-only sign-in (never in production)'
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
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and not __fish_seen_subcommand_from add import list show help" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and not __fish_seen_subcommand_from add import list show help" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and not __fish_seen_subcommand_from add import list show help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and not __fish_seen_subcommand_from add import list show help" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and not __fish_seen_subcommand_from add import list show help" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and not __fish_seen_subcommand_from add import list show help" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and not __fish_seen_subcommand_from add import list show help" -f -a "add" -d 'Create a user, or update the user with that id'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and not __fish_seen_subcommand_from add import list show help" -f -a "import" -d 'Create or update users from a CSV file (header id,name,email,avatar) or JSON lines, by id. Bad rows are reported with their line numbers and the others are imported; exits 6 when any row was rejected. Importing the same file again changes nothing'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and not __fish_seen_subcommand_from add import list show help" -f -a "list" -d 'List users by id, oldest first'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and not __fish_seen_subcommand_from add import list show help" -f -a "show" -d 'Show one user: profile, online state, chats and unread messages'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and not __fish_seen_subcommand_from add import list show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from add" -l id -d 'The user\'s id, as a flag' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from add" -l name -d 'Display name (required)' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from add" -l email -d 'Email address' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from add" -l avatar -d 'Avatar URL' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from add" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from add" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from add" -l json -d 'Print the stored user as JSON'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from add" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from import" -l format -d 'The file\'s format [default: from the extension (.csv, .jsonl, .ndjson), else from the first character ({ is JSON lines)]' -r -f -a "csv\t'Comma-separated values with a header line (RFC 4180 quoting)'
jsonl\t'One JSON object per line: {"id": 1, "name": "Anna", "email": "...", "avatar": "..."}'"
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from import" -l batch-size -d 'Rows per write transaction' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from import" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from import" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from import" -l dry-run -d 'Check every row and count what would change, without writing anything'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from import" -l json -d 'Print the summary as JSON (every rejected line with its reason)'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from import" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from import" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from list" -l after -d 'Only ids above ID: the next page after one that ended at ID' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from list" -l limit -d 'Users to show at most (1 to 10000)' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from list" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from list" -l json -d 'Print a JSON array instead of a table'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from show" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from show" -l json -d 'Print JSON instead of a table'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "add" -d 'Create a user, or update the user with that id'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "import" -d 'Create or update users from a CSV file (header id,name,email,avatar) or JSON lines, by id. Bad rows are reported with their line numbers and the others are imported; exits 6 when any row was rejected. Importing the same file again changes nothing'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "list" -d 'List users by id, oldest first'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one user: profile, online state, chats and unread messages'
complete -c chatctl -n "__fish_chatctl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and not __fish_seen_subcommand_from users chats messages outbox stats help" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and not __fish_seen_subcommand_from users chats messages outbox stats help" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and not __fish_seen_subcommand_from users chats messages outbox stats help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and not __fish_seen_subcommand_from users chats messages outbox stats help" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and not __fish_seen_subcommand_from users chats messages outbox stats help" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and not __fish_seen_subcommand_from users chats messages outbox stats help" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and not __fish_seen_subcommand_from users chats messages outbox stats help" -f -a "users" -d 'Users, newest id first: online, last seen, chats and unread messages'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and not __fish_seen_subcommand_from users chats messages outbox stats help" -f -a "chats" -d 'Chats, newest first, with each member\'s unread count and read cursor and the last message. With --user, that user\'s chat list exactly as the app gets it from GET /api/chats (the JSON is that list)'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and not __fish_seen_subcommand_from users chats messages outbox stats help" -f -a "messages" -d 'Messages, newest first, with sender and whether the other member has read them'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and not __fish_seen_subcommand_from users chats messages outbox stats help" -f -a "outbox" -d 'The outbox, newest first: events waiting for Centrifugo (with retries) and dead letters with the reason Centrifugo refused them'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and not __fish_seen_subcommand_from users chats messages outbox stats help" -f -a "stats" -d 'Counts: users (online), chats, messages, outbox backlog and dead letters by reason'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and not __fish_seen_subcommand_from users chats messages outbox stats help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from users" -l user -d 'Only this user' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from users" -l chat -d 'Only the members of this chat' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from users" -l limit -d 'Rows to show at most (1 to 1000)' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from users" -l before -d 'Only ids below ID: the next page after one that ended at ID' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from users" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from users" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from users" -l json -d 'Print a JSON array instead of a table'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from users" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from users" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from users" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from users" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from chats" -l user -d 'Show this user\'s chat list (newest activity first) instead of all chats' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from chats" -l chat -d 'Only this chat' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from chats" -l limit -d 'Rows to show at most (1 to 1000)' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from chats" -l before -d 'Only ids below ID: the next page after one that ended at ID' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from chats" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from chats" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from chats" -l json -d 'Print a JSON array instead of a table'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from chats" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from chats" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from chats" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from chats" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from messages" -l user -d 'Only messages in the chats of this user' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from messages" -l chat -d 'Only messages of this chat' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from messages" -l limit -d 'Rows to show at most (1 to 1000)' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from messages" -l before -d 'Only ids below ID: the next page after one that ended at ID' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from messages" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from messages" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from messages" -l json -d 'Print a JSON array instead of a table'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from messages" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from messages" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from messages" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from messages" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from outbox" -l user -d 'Only events for this user\'s channels (user-ID-chats, user-ID-status)' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from outbox" -l chat -d 'Only events for this chat\'s channels (user-ID-messages, chat.ID)' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from outbox" -l limit -d 'Rows to show at most (1 to 1000)' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from outbox" -l before -d 'Only ids below ID: the next page after one that ended at ID' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from outbox" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from outbox" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from outbox" -l dead -d 'Only dead letters'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from outbox" -l pending -d 'Only events still waiting to be delivered'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from outbox" -l json -d 'Print a JSON array instead of a table'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from outbox" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from outbox" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from outbox" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from outbox" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from stats" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from stats" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from stats" -l json -d 'Print a JSON object instead of a table'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from stats" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from stats" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from stats" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from help" -f -a "users" -d 'Users, newest id first: online, last seen, chats and unread messages'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from help" -f -a "chats" -d 'Chats, newest first, with each member\'s unread count and read cursor and the last message. With --user, that user\'s chat list exactly as the app gets it from GET /api/chats (the JSON is that list)'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from help" -f -a "messages" -d 'Messages, newest first, with sender and whether the other member has read them'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from help" -f -a "outbox" -d 'The outbox, newest first: events waiting for Centrifugo (with retries) and dead letters with the reason Centrifugo refused them'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from help" -f -a "stats" -d 'Counts: users (online), chats, messages, outbox backlog and dead letters by reason'
complete -c chatctl -n "__fish_chatctl_using_subcommand inspect; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chatctl -n "__fish_chatctl_using_subcommand completions" -l config -d 'Configuration file [default: ./chatctl.toml when it exists]' -r -F
complete -c chatctl -n "__fish_chatctl_using_subcommand completions" -l database-url -d 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]' -r
complete -c chatctl -n "__fish_chatctl_using_subcommand completions" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c chatctl -n "__fish_chatctl_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c chatctl -n "__fish_chatctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c chatctl -n "__fish_chatctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate token centrifugo publish subscribe users inspect completions help" -f -a "init" -d 'Set up a new installation: write chatctl.toml and a matching Centrifugo config with fresh secrets, asking for what is needed (or from flags with --yes)'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate token centrifugo publish subscribe users inspect completions help" -f -a "serve" -d 'Serve the HTTP API (applies pending migrations first unless --no-migrate)'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate token centrifugo publish subscribe users inspect completions help" -f -a "migrate" -d 'Apply or list schema migrations'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate token centrifugo publish subscribe users inspect completions help" -f -a "token" -d 'Mint a Centrifugo connection or subscription token, or an API token for development'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate token centrifugo publish subscribe users inspect completions help" -f -a "centrifugo" -d 'Generate a Centrifugo config, or check a running Centrifugo against chatctl\'s keys'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate token centrifugo publish subscribe users inspect completions help" -f -a "publish" -d 'Publish a test event on a channel through the realtime server\'s API'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate token centrifugo publish subscribe users inspect completions help" -f -a "subscribe" -d 'Watch a channel as a user\'s client would, printing each publication'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate token centrifugo publish subscribe users inspect completions help" -f -a "users" -d 'Add, import, list and show users (upsert by the host application\'s user id)'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate token centrifugo publish subscribe users inspect completions help" -f -a "inspect" -d 'Look into the database: users, chats, messages, the outbox and counts'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate token centrifugo publish subscribe users inspect completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and not __fish_seen_subcommand_from init serve migrate token centrifugo publish subscribe users inspect completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "run" -d 'Apply every pending migration (the default)'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "status" -d 'List migrations and whether each is applied'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from centrifugo" -f -a "config" -d 'Print (or write) a Centrifugo config matching chatctl\'s secrets'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from centrifugo" -f -a "check" -d 'Check that Centrifugo is reachable and agrees with chatctl\'s keys and channel rules'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "add" -d 'Create a user, or update the user with that id'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "import" -d 'Create or update users from a CSV file (header id,name,email,avatar) or JSON lines, by id. Bad rows are reported with their line numbers and the others are imported; exits 6 when any row was rejected. Importing the same file again changes nothing'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "list" -d 'List users by id, oldest first'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "show" -d 'Show one user: profile, online state, chats and unread messages'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from inspect" -f -a "users" -d 'Users, newest id first: online, last seen, chats and unread messages'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from inspect" -f -a "chats" -d 'Chats, newest first, with each member\'s unread count and read cursor and the last message. With --user, that user\'s chat list exactly as the app gets it from GET /api/chats (the JSON is that list)'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from inspect" -f -a "messages" -d 'Messages, newest first, with sender and whether the other member has read them'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from inspect" -f -a "outbox" -d 'The outbox, newest first: events waiting for Centrifugo (with retries) and dead letters with the reason Centrifugo refused them'
complete -c chatctl -n "__fish_chatctl_using_subcommand help; and __fish_seen_subcommand_from inspect" -f -a "stats" -d 'Counts: users (online), chats, messages, outbox backlog and dead letters by reason'

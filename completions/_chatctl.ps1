
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'chatctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'chatctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'chatctl' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up a new installation: write chatctl.toml and a matching Centrifugo config with fresh secrets, asking for what is needed (or from flags with --yes)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the HTTP API (applies pending migrations first unless --no-migrate)')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply or list schema migrations')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Mint a Centrifugo connection or subscription token, or an API token for development')
            [CompletionResult]::new('centrifugo', 'centrifugo', [CompletionResultType]::ParameterValue, 'Generate a Centrifugo config, or check a running Centrifugo against chatctl''s keys')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Publish a test event on a channel through the realtime server''s API')
            [CompletionResult]::new('subscribe', 'subscribe', [CompletionResultType]::ParameterValue, 'Watch a channel as a user''s client would, printing each publication')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'Add, import, list and show users (upsert by the host application''s user id)')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Look into the database: users, chats, messages, the outbox and counts')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'chatctl;init' {
            [CompletionResult]::new('--centrifugo-url', '--centrifugo-url', [CompletionResultType]::ParameterName, 'Centrifugo''s address as chatctl reaches it [default: http://127.0.0.1:8000]. Its port is the port the generated Centrifugo config listens on')
            [CompletionResult]::new('--origin', '--origin', [CompletionResultType]::ParameterName, 'A browser origin of your web app, e.g. https://app.example (repeat for several); allowed by chatctl''s CORS and by Centrifugo')
            [CompletionResult]::new('--auth-public-key', '--auth-public-key', [CompletionResultType]::ParameterName, 'Verify API tokens with this PEM public key (RS256/ES256), e.g. Laravel Passport''s storage/oauth-public.key, instead of a generated HS256 secret')
            [CompletionResult]::new('--auth-audience', '--auth-audience', [CompletionResultType]::ParameterName, 'An accepted token audience (for Passport: the OAuth client id); repeat for several')
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Directory to write chatctl.toml and centrifugo.json in (created when missing)')
            [CompletionResult]::new('--centrifugo-config', '--centrifugo-config', [CompletionResultType]::ParameterName, 'Write the Centrifugo config here instead [default: OUT_DIR/centrifugo.json]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Ask nothing: take every answer from the flags below (and --database-url) or their defaults. Needed when stdin is not a terminal')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Ask nothing: take every answer from the flags below (and --database-url) or their defaults. Needed when stdin is not a terminal')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite files that exist')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;serve' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to listen on [env: CHATCTL_BIND] [default: 127.0.0.1:8080]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--no-migrate', '--no-migrate', [CompletionResultType]::ParameterName, 'Do not apply pending migrations; refuse to start while any are pending')
            [CompletionResult]::new('--demo', '--demo', [CompletionResultType]::ParameterName, 'Also serve the demo web chat at `/`, with a development-only sign-in (never in production)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;migrate' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Apply every pending migration (the default)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List migrations and whether each is applied')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'chatctl;migrate;run' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;migrate;status' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;migrate;help' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Apply every pending migration (the default)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List migrations and whether each is applied')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'chatctl;migrate;help;run' {
            break
        }
        'chatctl;migrate;help;status' {
            break
        }
        'chatctl;migrate;help;help' {
            break
        }
        'chatctl;token' {
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Lifetime, e.g. 30m, 1h, 7d [default: centrifugo.token_ttl, or 1h with --api]')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'Mint a subscription token for this channel instead of a connection token')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name claim of an API token (provisions the user on first use)')
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'Email claim of an API token')
            [CompletionResult]::new('--avatar', '--avatar', [CompletionResultType]::ParameterName, 'Avatar URL claim of an API token')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--api', '--api', [CompletionResultType]::ParameterName, 'Mint an API bearer token signed with CHATCTL_AUTH_SECRET (development and scripts)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the token with its claims as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;centrifugo' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Print (or write) a Centrifugo config matching chatctl''s secrets')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check that Centrifugo is reachable and agrees with chatctl''s keys and channel rules')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'chatctl;centrifugo;config' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Which Centrifugo the config is for')
            [CompletionResult]::new('--origin', '--origin', [CompletionResultType]::ParameterName, 'An allowed browser origin, e.g. https://app.example (repeat for several)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port Centrifugo listens on')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the config to FILE instead of stdout')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Enable Centrifugo''s admin UI with a fresh password (printed on stderr)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite FILE when it exists')
            [CompletionResult]::new('--insecure-open-subscriptions', '--insecure-open-subscriptions', [CompletionResultType]::ParameterName, 'INSECURE: let any connected user subscribe to any channel without a token, as the original did. Everyone can then read everyone''s messages')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;centrifugo;check' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each answer')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;centrifugo;help' {
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Print (or write) a Centrifugo config matching chatctl''s secrets')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check that Centrifugo is reachable and agrees with chatctl''s keys and channel rules')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'chatctl;centrifugo;help;config' {
            break
        }
        'chatctl;centrifugo;help;check' {
            break
        }
        'chatctl;centrifugo;help;help' {
            break
        }
        'chatctl;publish' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Publish the JSON as is instead of string-encoding it like the original')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;subscribe' {
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'The user to connect as')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after this many publications')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per publication')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;users' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Create a user, or update the user with that id')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Create or update users from a CSV file (header id,name,email,avatar) or JSON lines, by id. Bad rows are reported with their line numbers and the others are imported; exits 6 when any row was rejected. Importing the same file again changes nothing')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List users by id, oldest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one user: profile, online state, chats and unread messages')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'chatctl;users;add' {
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'The user''s id, as a flag')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Display name (required)')
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'Email address')
            [CompletionResult]::new('--avatar', '--avatar', [CompletionResultType]::ParameterName, 'Avatar URL')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the stored user as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;users;import' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The file''s format [default: from the extension (.csv, .jsonl, .ndjson), else from the first character ({ is JSON lines)]')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Rows per write transaction')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Check every row and count what would change, without writing anything')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the summary as JSON (every rejected line with its reason)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;users;list' {
            [CompletionResult]::new('--after', '--after', [CompletionResultType]::ParameterName, 'Only ids above ID: the next page after one that ended at ID')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Users to show at most (1 to 10000)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array instead of a table')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;users;show' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;users;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Create a user, or update the user with that id')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Create or update users from a CSV file (header id,name,email,avatar) or JSON lines, by id. Bad rows are reported with their line numbers and the others are imported; exits 6 when any row was rejected. Importing the same file again changes nothing')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List users by id, oldest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one user: profile, online state, chats and unread messages')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'chatctl;users;help;add' {
            break
        }
        'chatctl;users;help;import' {
            break
        }
        'chatctl;users;help;list' {
            break
        }
        'chatctl;users;help;show' {
            break
        }
        'chatctl;users;help;help' {
            break
        }
        'chatctl;inspect' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'Users, newest id first: online, last seen, chats and unread messages')
            [CompletionResult]::new('chats', 'chats', [CompletionResultType]::ParameterValue, 'Chats, newest first, with each member''s unread count and read cursor and the last message. With --user, that user''s chat list exactly as the app gets it from GET /api/chats (the JSON is that list)')
            [CompletionResult]::new('messages', 'messages', [CompletionResultType]::ParameterValue, 'Messages, newest first, with sender and whether the other member has read them')
            [CompletionResult]::new('outbox', 'outbox', [CompletionResultType]::ParameterValue, 'The outbox, newest first: events waiting for Centrifugo (with retries) and dead letters with the reason Centrifugo refused them')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Counts: users (online), chats, messages, outbox backlog and dead letters by reason')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'chatctl;inspect;users' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only this user')
            [CompletionResult]::new('--chat', '--chat', [CompletionResultType]::ParameterName, 'Only the members of this chat')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows to show at most (1 to 1000)')
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Only ids below ID: the next page after one that ended at ID')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array instead of a table')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;inspect;chats' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Show this user''s chat list (newest activity first) instead of all chats')
            [CompletionResult]::new('--chat', '--chat', [CompletionResultType]::ParameterName, 'Only this chat')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows to show at most (1 to 1000)')
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Only ids below ID: the next page after one that ended at ID')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array instead of a table')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;inspect;messages' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only messages in the chats of this user')
            [CompletionResult]::new('--chat', '--chat', [CompletionResultType]::ParameterName, 'Only messages of this chat')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows to show at most (1 to 1000)')
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Only ids below ID: the next page after one that ended at ID')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array instead of a table')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;inspect;outbox' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only events for this user''s channels (user-ID-chats, user-ID-status)')
            [CompletionResult]::new('--chat', '--chat', [CompletionResultType]::ParameterName, 'Only events for this chat''s channels (user-ID-messages, chat.ID)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Rows to show at most (1 to 1000)')
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Only ids below ID: the next page after one that ended at ID')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--dead', '--dead', [CompletionResultType]::ParameterName, 'Only dead letters')
            [CompletionResult]::new('--pending', '--pending', [CompletionResultType]::ParameterName, 'Only events still waiting to be delivered')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array instead of a table')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;inspect;stats' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON object instead of a table')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;inspect;help' {
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'Users, newest id first: online, last seen, chats and unread messages')
            [CompletionResult]::new('chats', 'chats', [CompletionResultType]::ParameterValue, 'Chats, newest first, with each member''s unread count and read cursor and the last message. With --user, that user''s chat list exactly as the app gets it from GET /api/chats (the JSON is that list)')
            [CompletionResult]::new('messages', 'messages', [CompletionResultType]::ParameterValue, 'Messages, newest first, with sender and whether the other member has read them')
            [CompletionResult]::new('outbox', 'outbox', [CompletionResultType]::ParameterValue, 'The outbox, newest first: events waiting for Centrifugo (with retries) and dead letters with the reason Centrifugo refused them')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Counts: users (online), chats, messages, outbox backlog and dead letters by reason')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'chatctl;inspect;help;users' {
            break
        }
        'chatctl;inspect;help;chats' {
            break
        }
        'chatctl;inspect;help;messages' {
            break
        }
        'chatctl;inspect;help;outbox' {
            break
        }
        'chatctl;inspect;help;stats' {
            break
        }
        'chatctl;inspect;help;help' {
            break
        }
        'chatctl;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./chatctl.toml when it exists]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: sqlite://FILE or postgres://USER:PASS@HOST/DB [env: DATABASE_URL]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'chatctl;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up a new installation: write chatctl.toml and a matching Centrifugo config with fresh secrets, asking for what is needed (or from flags with --yes)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the HTTP API (applies pending migrations first unless --no-migrate)')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply or list schema migrations')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Mint a Centrifugo connection or subscription token, or an API token for development')
            [CompletionResult]::new('centrifugo', 'centrifugo', [CompletionResultType]::ParameterValue, 'Generate a Centrifugo config, or check a running Centrifugo against chatctl''s keys')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Publish a test event on a channel through the realtime server''s API')
            [CompletionResult]::new('subscribe', 'subscribe', [CompletionResultType]::ParameterValue, 'Watch a channel as a user''s client would, printing each publication')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'Add, import, list and show users (upsert by the host application''s user id)')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Look into the database: users, chats, messages, the outbox and counts')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'chatctl;help;init' {
            break
        }
        'chatctl;help;serve' {
            break
        }
        'chatctl;help;migrate' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Apply every pending migration (the default)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List migrations and whether each is applied')
            break
        }
        'chatctl;help;migrate;run' {
            break
        }
        'chatctl;help;migrate;status' {
            break
        }
        'chatctl;help;token' {
            break
        }
        'chatctl;help;centrifugo' {
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Print (or write) a Centrifugo config matching chatctl''s secrets')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check that Centrifugo is reachable and agrees with chatctl''s keys and channel rules')
            break
        }
        'chatctl;help;centrifugo;config' {
            break
        }
        'chatctl;help;centrifugo;check' {
            break
        }
        'chatctl;help;publish' {
            break
        }
        'chatctl;help;subscribe' {
            break
        }
        'chatctl;help;users' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Create a user, or update the user with that id')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Create or update users from a CSV file (header id,name,email,avatar) or JSON lines, by id. Bad rows are reported with their line numbers and the others are imported; exits 6 when any row was rejected. Importing the same file again changes nothing')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List users by id, oldest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one user: profile, online state, chats and unread messages')
            break
        }
        'chatctl;help;users;add' {
            break
        }
        'chatctl;help;users;import' {
            break
        }
        'chatctl;help;users;list' {
            break
        }
        'chatctl;help;users;show' {
            break
        }
        'chatctl;help;inspect' {
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'Users, newest id first: online, last seen, chats and unread messages')
            [CompletionResult]::new('chats', 'chats', [CompletionResultType]::ParameterValue, 'Chats, newest first, with each member''s unread count and read cursor and the last message. With --user, that user''s chat list exactly as the app gets it from GET /api/chats (the JSON is that list)')
            [CompletionResult]::new('messages', 'messages', [CompletionResultType]::ParameterValue, 'Messages, newest first, with sender and whether the other member has read them')
            [CompletionResult]::new('outbox', 'outbox', [CompletionResultType]::ParameterValue, 'The outbox, newest first: events waiting for Centrifugo (with retries) and dead letters with the reason Centrifugo refused them')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Counts: users (online), chats, messages, outbox backlog and dead letters by reason')
            break
        }
        'chatctl;help;inspect;users' {
            break
        }
        'chatctl;help;inspect;chats' {
            break
        }
        'chatctl;help;inspect;messages' {
            break
        }
        'chatctl;help;inspect;outbox' {
            break
        }
        'chatctl;help;inspect;stats' {
            break
        }
        'chatctl;help;completions' {
            break
        }
        'chatctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

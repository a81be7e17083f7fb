// tokenctl's usage text and the error for a command line it cannot run (exit code 1).

export const USAGE = `usage: tokenctl COMMAND [--server URL] [--transport T] [--key KEY] [--json] [flags]

commands:
  get            --app APP [--kind KIND]               print the current credential, value included
  watch          --app APP [--kind KIND]               print every change until Ctrl-C
  refresh        --app APP [--kind KIND] [--stale V]   report V (default: the current value) as
                                                       rejected by WeChat; print its replacement
  sign           --app APP --url URL [--agent-config]  sign a page for the JS-SDK (wx.config; a
                                                       WeCom app's wx.agentConfig with the flag)
  send-template  --app APP --to OPENID --template ID --data KEY=VALUE...
                 [--url URL] [--client-msg-id ID]      send a template message
  apps                                                 list every app's status (admin)
  audit-check    --value V                             does V (a token found somewhere; - reads it
                                                       from stdin) hash to an audit entry (admin)
  reseal         --reason R                            seal every stored value under the first
                                                       store.encryption key (admin)

options:
  --server URL   wxtoken's HTTP (Connect) port; default http://127.0.0.1:8080
  --transport T  connect (default: the HTTP port) or grpc (the native gRPC port, e.g.
                 --transport grpc --server http://127.0.0.1:50051)
  --key KEY      the caller key; default $WXTOKEN_KEY
  --ca-file F    TLS (an https:// --server): the CA of the server's certificate (PEM)
  --cert-file F  mTLS: a client certificate (PEM), with --key-file F its private key
  --json         print the response as protobuf JSON (watch: one object per line)
  --help         print this text

APP is an AppID, or a WeCom app: wecom:CORP_ID:AGENT_ID (or wecom:CORP_ID:NAME for a
named secret such as contacts).
KIND is access_token (default), jsapi_ticket, wx_card_ticket or agent_config_ticket (WeCom;
a WeCom app's jsapi_ticket is the corp's).
exit codes: 0 ok, 1 usage, 2 server error (with WeChat's errcode when there is one)`;

/** A command line that cannot be run; its message is shown above the usage. */
export class UsageError extends Error {
  override name = "UsageError";
}

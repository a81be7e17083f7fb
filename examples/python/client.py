#!/usr/bin/env python3
"""wxtoken from Python with the `wxtoken` package (packages/python): GetToken, then a token
cache that a WatchToken stream keeps hot.

Prints one JSON object per line on stdout, messages in protobuf JSON (camelCase names,
64-bit integers as strings), as Connect's JSON API and tokenctl --json print them:
  {"rpc": "GetToken", "response": {"credential": {...}}}
  {"rpc": "WatchToken", "response": {"credential": {...}}}   the cache's first credential
      (the stream's first message: the current one), then one per change with --watch N

On a failed call prints {"error": {"code", "message", "upstream": [...]}} on stderr and
exits 2; "upstream" holds the wxtoken.v1.UpstreamError details (WeChat's errcode, errmsg).

With --ca-file the channel is TLS (listen.tls); with --cert-file and --key-file it presents a
client certificate (mTLS), and a caller known by its certificate (callers[].identity) needs
no key.
"""

import argparse
import json
import os
import sys
from pathlib import Path

# The package from this checkout, so that no install is needed (`pip install
# ./packages/python` works as well).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packages" / "python" / "src"))

try:
    import wxtoken
    from google.protobuf import json_format
except ImportError as missing:
    sys.exit(
        f"client.py: {missing}. Install Debian's python3-grpcio (or grpcio and protobuf with pip)"
    )

KINDS = {
    "access_token": wxtoken.ACCESS_TOKEN,
    "jsapi_ticket": wxtoken.JSAPI_TICKET,
    "wx_card_ticket": wxtoken.WX_CARD_TICKET,
}


def parse_args():
    parser = argparse.ArgumentParser(description="GetToken and WatchToken from wxtoken.")
    parser.add_argument(
        "--target", default="127.0.0.1:50051", help="wxtoken's gRPC port, HOST:PORT"
    )
    parser.add_argument("--app", default="wxdemo0000000001", help="the WeChat AppID")
    parser.add_argument("--kind", default="access_token", choices=KINDS)
    parser.add_argument(
        "--watch",
        type=int,
        default=0,
        metavar="N",
        help="after the cache's first credential, print N changes before exiting",
    )
    parser.add_argument(
        "--key",
        default=os.environ.get("WXTOKEN_KEY"),
        help="the caller key (default: $WXTOKEN_KEY)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="GetToken deadline, seconds")
    parser.add_argument("--ca-file", help="TLS: the CA of the server's certificate (PEM)")
    parser.add_argument("--cert-file", help="mTLS: a client certificate (PEM)")
    parser.add_argument("--key-file", help="mTLS: the client certificate's private key (PEM)")
    args = parser.parse_args()
    if (args.cert_file is None) != (args.key_file is None):
        parser.error("--cert-file and --key-file go together")
    if not args.key and args.cert_file is None:
        parser.error("no caller key: pass --key KEY or set WXTOKEN_KEY (or --cert-file)")
    return args


def read_pem(path):
    return None if path is None else Path(path).read_bytes()


def print_line(stream, value):
    print(json.dumps(value), file=stream, flush=True)


def print_credential(rpc, credential):
    response = {"credential": json_format.MessageToDict(credential)}
    print_line(sys.stdout, {"rpc": rpc, "response": response})


def main():
    args = parse_args()
    kind = KINDS[args.kind]
    try:
        # TLS when a CA or a client certificate is given; the key goes in the authorization
        # metadata of every call (none for a caller known by its certificate).
        with wxtoken.Client(
            args.target,
            args.key or None,
            root_certificates=read_pem(args.ca_file),
            certificate_chain=read_pem(args.cert_file),
            private_key=read_pem(args.key_file),
            timeout=args.timeout,
        ) as wx:
            credential = wx.get_token(args.app, kind)
            print_credential("GetToken", credential)

            # One WatchToken stream on a background thread keeps the cache hot (reconnecting
            # with backoff); wx.get_access_token(app) would read it from memory.
            cache = wx.token_cache(args.app, kind)
            credential = cache.wait()
            print_credential("WatchToken", credential)
            for _ in range(args.watch):
                credential = cache.wait_for_generation(credential.generation + 1)
                print_credential("WatchToken", credential)
    except wxtoken.WxTokenError as error:
        # error.upstream: the UpstreamError details of the grpc-status-details-bin trailer.
        upstream = [json_format.MessageToDict(detail) for detail in error.upstream]
        failure = {"code": error.code.name, "message": error.message, "upstream": upstream}
        print_line(sys.stderr, {"error": failure})
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A wxtoken client with grpcio: GetToken, then WatchToken, over native gRPC.

Prints one JSON object per line on stdout:
  {"rpc": "GetToken", "response": {...}}
  {"rpc": "WatchToken", "response": {...}}   the stream's first message (the current
                                             credential), then one per change with --watch N
Messages are in protobuf JSON (camelCase names, 64-bit integers as strings), as Connect's
JSON API and tokenctl --json print them.

On a failed call prints {"error": {"code", "message", "upstream": [...]}} on stderr and
exits 2; "upstream" holds the wxtoken.v1.UpstreamError details (WeChat's errcode and
errmsg), read from the grpc-status-details-bin trailer. Run ./generate.sh first.

With --ca-file the channel is TLS (listen.tls); with --cert-file and --key-file it
presents a client certificate (mTLS), and a caller known by its certificate
(callers[].identity) needs no key.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "gen"))

try:
    import grpc
    from google.protobuf import json_format
    from google.rpc import status_pb2
    from wxtoken.v1 import token_pb2, token_pb2_grpc
except ImportError as missing:
    sys.exit(
        f"client.py: {missing}. Install Debian's python3-grpcio and python3-grpc-tools "
        "(or grpcio and grpcio-tools with pip), then run ./generate.sh"
    )

KINDS = ("access_token", "jsapi_ticket", "wx_card_ticket")


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
        help="after the stream's first message, print N changes before exiting",
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
    if args.cert_file is not None and args.ca_file is None:
        parser.error("--cert-file needs --ca-file (TLS)")
    if not args.key and args.cert_file is None:
        parser.error("no caller key: pass --key KEY or set WXTOKEN_KEY (or --cert-file)")
    return args


def read_file(path):
    return None if path is None else Path(path).read_bytes()


def open_channel(args):
    """A TLS channel with --ca-file (and a client certificate with --cert-file), else cleartext."""
    if args.ca_file is None:
        return grpc.insecure_channel(args.target)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read_file(args.ca_file),
        private_key=read_file(args.key_file),
        certificate_chain=read_file(args.cert_file),
    )
    return grpc.secure_channel(args.target, credentials)


def upstream_errors(error):
    """The wxtoken.v1.UpstreamError details of a failed call.

    gRPC carries rich error details in the grpc-status-details-bin trailer: a serialized
    google.rpc.Status whose `details` are google.protobuf.Any messages.
    """
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                upstream = token_pb2.UpstreamError()
                if detail.Unpack(upstream):
                    yield upstream


def print_line(stream, value):
    print(json.dumps(value), file=stream, flush=True)


def print_rpc(rpc, response):
    print_line(sys.stdout, {"rpc": rpc, "response": json_format.MessageToDict(response)})


def main():
    args = parse_args()
    # Every call carries the caller key as metadata (none for a caller known by its certificate).
    metadata = (("authorization", f"Bearer {args.key}"),) if args.key else ()
    kind = token_pb2.CredentialKind.Value(f"CREDENTIAL_KIND_{args.kind.upper()}")
    with open_channel(args) as channel:
        tokens = token_pb2_grpc.TokenServiceStub(channel)
        try:
            response = tokens.GetToken(
                token_pb2.GetTokenRequest(app_id=args.app, kind=kind),
                metadata=metadata,
                timeout=args.timeout,
            )
            print_rpc("GetToken", response)

            stream = tokens.WatchToken(
                token_pb2.WatchTokenRequest(app_id=args.app, kind=kind), metadata=metadata
            )
            for received, message in enumerate(stream):
                print_rpc("WatchToken", message)
                if received == args.watch:
                    stream.cancel()
                    break
        except grpc.RpcError as error:
            upstream = [json_format.MessageToDict(detail) for detail in upstream_errors(error)]
            failure = {"code": error.code().name, "message": error.details(), "upstream": upstream}
            print_line(sys.stderr, {"error": failure})
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

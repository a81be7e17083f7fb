"""A Connect streaming client over HTTP/1.1 that never reads, for the limits test.

Sends one request (the enveloped message given in hex) from a socket whose receive buffer
and segment size are as small as Linux allows, so the kernel holds little of what the
server writes; prints "sent" and reads nothing until it gets SIGUSR1. Then it reads
to the end and prints, as JSON: the HTTP status, the Connect messages received, the
end-stream message if one came, whether the chunked response was complete, and whether
the connection was still open 10 s after the last byte (the server never ended it).

Usage: never-reading-client.py HOST PORT PATH ENVELOPE_HEX (the bearer key in WXTOKEN_KEY)
"""

import json
import os
import signal
import socket
import sys


def dechunk(data):
    """The body of a chunked HTTP/1.1 response, and whether its last chunk came."""
    body = bytearray()
    while True:
        line_end = data.find(b"\r\n")
        if line_end < 0:
            return bytes(body), False
        size = int(data[:line_end].split(b";")[0], 16)
        if size == 0:
            return bytes(body), True
        chunk = data[line_end + 2 : line_end + 2 + size]
        body += chunk
        if len(chunk) < size:
            return bytes(body), False
        data = data[line_end + 2 + size + 2 :]


def envelopes(body):
    """The Connect envelopes in `body`: (flags, payload), the last possibly cut short."""
    found = []
    while len(body) >= 5:
        length = int.from_bytes(body[1:5], "big")
        found.append((body[0], body[5 : 5 + length]))
        body = body[5 + length :]
    return found


def main():
    host, port, path, envelope_hex = sys.argv[1:5]
    envelope = bytes.fromhex(envelope_hex)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
    sock.connect((host, int(port)))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/connect+proto\r\nConnect-Protocol-Version: 1\r\n"
        f"Authorization: Bearer {os.environ['WXTOKEN_KEY']}\r\n"
        f"Content-Length: {len(envelope)}\r\n\r\n"
    )
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    sock.sendall(head.encode("latin-1") + envelope)
    print("sent", flush=True)
    signal.sigwait({signal.SIGUSR1})
    # A connection the server did not end would be read forever: 10 s, then say so.
    sock.settimeout(10)
    received = bytearray()
    reset = False
    timed_out = False
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            reset = True
            break
        except TimeoutError:
            timed_out = True
            break
        if not chunk:
            break
        received += chunk
    header_end = received.find(b"\r\n\r\n")
    status = int(received[9:12]) if header_end > 0 else None
    body, complete = dechunk(bytes(received[header_end + 4 :])) if header_end > 0 else (b"", False)
    found = envelopes(body)
    end_stream = [payload.decode("utf-8", "replace") for flags, payload in found if flags & 2]
    print(
        json.dumps(
            {
                "status": status,
                "messages": sum(1 for flags, _ in found if not flags & 2),
                "end_stream": end_stream[0] if end_stream else None,
                "complete": complete,
                "reset": reset,
                "timed_out": timed_out,
            }
        ),
        flush=True,
    )


main()

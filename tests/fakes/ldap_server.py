"""A directory on 127.0.0.1 for the LDAP sign-in tests: ldaptor's in-memory LDAP server
(pure Python, over Twisted), started as a child process since Twisted's reactor runs once
per process. Prints the port, then serves until killed.

    python tests/fakes/ldap_server.py < entries.ldif
"""

from __future__ import annotations

import sys
from io import BytesIO

from ldaptor.inmemory import fromLDIFFile
from ldaptor.interfaces import IConnectedLDAPEntry
from ldaptor.protocols.ldap.ldapserver import LDAPServer
from twisted.internet import protocol, reactor
from twisted.python.components import registerAdapter


class Directory(protocol.ServerFactory):
    protocol = LDAPServer

    def __init__(self, root):
        self.root = root


def main() -> None:
    loading = fromLDIFFile(BytesIO(sys.stdin.buffer.read()))

    def serve(tree):
        registerAdapter(lambda factory: factory.root, Directory, IConnectedLDAPEntry)
        port = reactor.listenTCP(0, Directory(tree), interface="127.0.0.1")
        print(port.getHost().port, flush=True)

    def failed(error):
        print(f"error {error}", flush=True)
        reactor.stop()

    loading.addCallbacks(serve, failed)
    reactor.run()


if __name__ == "__main__":
    main()

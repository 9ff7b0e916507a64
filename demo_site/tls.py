"""A throwaway self-signed certificate, so the demo can show the opt-out cookie's Secure attribute."""
import shutil
import ssl
import subprocess
from pathlib import Path

# *.xng.test lets tests map subdomains to 127.0.0.1 to exercise cookieDomain; xng.test covers the apex.
SUBJECT_ALT_NAME = 'subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:xng.test,DNS:*.xng.test'


def make_self_signed(directory):
    """Write cert.pem and key.pem into directory with the openssl CLI; returns their paths."""
    if shutil.which('openssl') is None:
        raise RuntimeError('the openssl command is needed for HTTPS; install it or drop --https-port')
    cert, key = Path(directory) / 'cert.pem', Path(directory) / 'key.pem'
    command = ['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30',
               '-subj', '/CN=localhost', '-addext', SUBJECT_ALT_NAME, '-keyout', str(key), '-out', str(cert)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError('openssl could not create a certificate: %s' % result.stderr.strip())
    return cert, key


def server_context(directory):
    """A server-side TLS context with a fresh certificate written into directory."""
    cert, key = make_self_signed(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context

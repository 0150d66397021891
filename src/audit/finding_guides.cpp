// What each finding means and how to fix it: the text the HTML and Markdown reports show under
// each finding id (docs/audit.md has the rules that raise them).
#include <algorithm>
#include <array>

#include "dotscan/audit/findings.hpp"

namespace dotscan::audit {

namespace {

constexpr std::array<model::FindingGuide, 26> kGuides = {{
    {"cert-expired",
     "A certificate of the chain is past its notAfter date. Clients that authenticate the server "
     "refuse the connection; only opportunistic clients still use it.",
     "Renew the certificate (and any expired intermediate) and reload the server; automate "
     "renewal (ACME) so that it cannot lapse again."},
    {"cert-expires-soon",
     "The leaf or another certificate of the chain expires within the warning window "
     "(--warn-days, --crit-days). Once it expires, strict clients stop using the server.",
     "Renew the certificate before its notAfter date and check that the renewal job runs."},
    {"cert-not-yet-valid",
     "A certificate of the chain is not valid before a date still in the future: it was issued "
     "ahead of time or the server's or the issuer's clock is wrong. Clients refuse it.",
     "Install a certificate that is valid now, and check the clocks of the server and the CA."},
    {"weak-key",
     "A certificate has an RSA or DSA key under 2048 bits or an EC key under 256 bits, which "
     "clients at OpenSSL's default security level refuse and which can be broken.",
     "Issue a new certificate with an RSA key of 2048 bits or more, or a P-256 (or stronger) EC "
     "key."},
    {"weak-signature",
     "A certificate is signed with SHA-1 or MD5, whose collisions let a forger make a "
     "certificate with the same signature.",
     "Have the certificate reissued with a SHA-256 (or stronger) signature."},
    {"self-signed-leaf",
     "The server presents a self-signed certificate: no client can authenticate it with a CA, "
     "only with a pin (RFC 7858 section 4.2).",
     "Use a certificate from a CA that clients trust, or publish the SPKI pin to the clients "
     "that are meant to pin it."},
    {"no-server-auth-eku",
     "The leaf's extended key usage leaves out serverAuth (medium), or the extension is missing "
     "(low): TLS clients that enforce the CA/Browser Forum profile refuse it.",
     "Issue the leaf with an extended key usage that includes serverAuth."},
    {"no-san",
     "The leaf names the server only in its subject CN, which clients that follow RFC 6125 "
     "ignore: they cannot match it to any name or address.",
     "Issue the leaf with DNS subjectAltNames (and IP ones for clients that connect by "
     "address)."},
    {"address-not-in-san",
     "The target was scanned by address without an authentication name, and the leaf has no IP "
     "subjectAltName for that address: clients configured with the address alone cannot "
     "authenticate the server.",
     "Add the address as an IP subjectAltName, or give clients (and the scan: --auth-name, the "
     "policy's auth_name) the name the certificate is for."},
    {"name-mismatch",
     "The leaf is not valid for the authentication name (the target's name, --auth-name or the "
     "policy's auth_name): strict clients refuse the server.",
     "Install a certificate whose subjectAltNames include the authentication name, or correct "
     "the name the clients (and the policy) expect."},
    {"chain-untrusted",
     "The chain does not verify against the trust store; the message gives the first error "
     "(often a missing intermediate, a private CA, or a self-signed leaf).",
     "Serve the complete chain (leaf and intermediates) from a CA the clients trust, or scan "
     "with --ca-file if the CA is a private one."},
    {"tls-below-1.2",
     "TLS 1.1 or older was negotiated. RFC 8996 deprecates these versions; RFC 8310 requires "
     "TLS 1.2 or later for DNS privacy.",
     "Enable TLS 1.2 and 1.3 on the server and disable TLS 1.0, 1.1 and SSLv3."},
    {"alpn-not-dot",
     "The server selected no ALPN protocol, or one other than \"dot\". RFC 7858 does not require "
     "ALPN, but clients that ask for \"dot\" cannot confirm they reached a DoT service.",
     "Configure the server to accept the ALPN protocol \"dot\" (informational only)."},
    {"no-pipelining",
     "The pipelining check wrote several queries back to back in one session and not all were "
     "answered. RFC 7766 section 6.2.1.1 and RFC 7858 section 3.3 expect a DoT server to read and "
     "answer every query of a session; clients that pipeline wait for a timeout instead.",
     "Upgrade or configure the server to process several queries per TLS session (most current "
     "resolvers do by default)."},
    {"keepalive-broken",
     "The server announced no edns-tcp-keepalive timeout (RFC 7828; RFC 7858 section 3.4 asks "
     "servers to use it), announced 0, or closed an idle session before the time it announced. "
     "Clients then reconnect (a TLS handshake each time) or see their next query fail.",
     "Enable edns-tcp-keepalive with a timeout the server honours (unbound: edns-tcp-keepalive: "
     "yes)."},
    {"no-padding",
     "The answer to a query that carried EDNS(0) Padding was not padded. RFC 7830 section 3 "
     "requires padding such answers; unpadded, their sizes tell an observer what was asked.",
     "Enable response padding (unbound: pad-responses: yes; RFC 8467 recommends 468-octet "
     "blocks)."},
    {"no-resumption",
     "The server offered no session to resume, or did not resume the one offered: every "
     "connection costs a full TLS handshake (RFC 7858 section 3.4 recommends resumption).",
     "Enable TLS session tickets or a session cache (informational only)."},
    {"sni-dependent-cert",
     "Without SNI the handshake failed or the server sent a certificate that does not match the "
     "authentication name: clients that send no SNI cannot authenticate the server.",
     "Serve a certificate that matches the name also to handshakes without SNI (informational)."},
    {"legacy-tls-accepted",
     "The server completed a handshake with TLS 1.0 or 1.1 when offered that version alone. RFC "
     "8996 deprecates both; a client that can be pushed down to them loses the protections of "
     "TLS 1.2 and 1.3.",
     "Disable TLS 1.0 and 1.1 on the server (e.g. tls-protocols / MinProtocol TLSv1.2)."},
    {"ddr-unverified",
     "The server advertises designated resolvers through DDR (RFC 9462), but none with ALPN dot, "
     "or its certificate does not cover the IP address it was reached on, so clients cannot "
     "verify the discovery (RFC 9462 section 4.2) and will not upgrade to it.",
     "Add the resolver's IP addresses to its certificate's subjectAltName, and list ALPN dot in "
     "the _dns.resolver.arpa SVCB records."},
    {"cleartext-dns",
     "The server answered a DNS query without TLS on the DoT port. RFC 7858 section 3.1 reserves "
     "port 853 for DNS over TLS; a client that falls back to cleartext there sends its queries "
     "where anyone on the path can read and change them.",
     "Serve DNS over TLS on port 853 (or nothing): move the cleartext listener to port 53, or "
     "put TLS in front of it."},
    {"pin-mismatch",
     "Pins are expected for the server (--pin, --pin-file, the policy) and no certificate it "
     "sent matches any: clients that pin will refuse it, or the server is not the one expected.",
     "Check whether the key was rotated on purpose; if so, publish the new pin (with a backup "
     "pin, RFC 7858 section 4.2); if not, investigate."},
    {"dot-missing",
     "DNS over TLS is required of this target (--require-dot or the policy's require_dot) and "
     "the scan did not confirm it: the outcome and its reason say what happened instead.",
     "Bring the DoT service up on the port, or correct the list of servers that must serve it."},
    {"policy-min-tls", "The negotiated TLS version is below the policy's min_tls.",
     "Enable the required TLS version on the server, or review the policy."},
    {"policy-min-days", "The leaf expires sooner than the policy's min_days allows.",
     "Renew the certificate now, before the policy's margin is used up."},
    {"policy-issuer", "The leaf's issuer is not one of the policy's allowed issuers.",
     "Issue the certificate from an allowed CA, or add the issuer to the policy if it is "
     "approved."},
}};

}  // namespace

std::span<const model::FindingGuide> findingGuides() {
  return kGuides;
}

const model::FindingGuide* findingGuide(std::string_view id) {
  const auto* found =
      std::find_if(kGuides.begin(), kGuides.end(),
                   [&](const model::FindingGuide& guide) { return guide.id == id; });
  return found == kGuides.end() ? nullptr : &*found;
}

}  // namespace dotscan::audit

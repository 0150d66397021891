#include "dotscan/tls/client.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "dotscan/tls/certificate.hpp"
#include "dotscan/tls/chain_cache.hpp"
#include "dotscan/tls/trust_store.hpp"
#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::tls {

namespace {

int toOpenSsl(TlsVersion version) {
  switch (version) {
    case TlsVersion::Tls10:
      return TLS1_VERSION;
    case TlsVersion::Tls11:
      return TLS1_1_VERSION;
    case TlsVersion::Tls12:
      return TLS1_2_VERSION;
    case TlsVersion::Tls13:
      return TLS1_3_VERSION;
  }
  return TLS1_3_VERSION;
}

Connection* connectionOf(SSL* ssl) {
  return static_cast<Connection*>(SSL_get_ex_data(ssl, 0));
}

// Records every verification error and lets the handshake go on (SSL_CTX_set_verify(3)): the
// audit judges the chain later, the scanner only writes down what it saw.
int verifyCallback(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok == 0) {
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    if (ssl != nullptr && connectionOf(ssl) != nullptr) {
      try {
        connectionOf(ssl)->recordVerifyError(X509_STORE_CTX_get_error_depth(store),
                                             X509_STORE_CTX_get_error(store));
      } catch (...) {  // nothing may cross OpenSSL's C frames; the error is simply not recorded
      }
    }
  }
  return 1;
}

// The whole verification of a chain (SSL_CTX_set_cert_verify_callback(3)): the cached outcome of
// the same chain when there is one, else X509_verify_cert(), whose errors verifyCallback records
// and which is then cached (chain_cache.hpp).
int verifyChain(X509_STORE_CTX* store, void* argument) {
  auto* cache = static_cast<ChainCache*>(argument);
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  Connection* connection = ssl != nullptr ? connectionOf(ssl) : nullptr;
  if (cache == nullptr || connection == nullptr) return X509_verify_cert(store);
  try {
    const auto now = std::chrono::steady_clock::now();
    ChainCache::Key key =
        ChainCache::keyOf(X509_STORE_CTX_get0_cert(store), X509_STORE_CTX_get0_untrusted(store));
    if (key.empty()) return X509_verify_cert(store);
    if (const auto cached = cache->find(key, now)) {
      for (const ChainCache::Error& error : cached->errors) {
        connection->recordVerifyError(error.depth, error.code);
      }
      X509_STORE_CTX_set_error(store, cached->result);
      return cached->ok;
    }
    const std::size_t before = connection->verifyErrors().size();
    ChainCache::Outcome outcome;
    outcome.ok = X509_verify_cert(store);
    outcome.result = X509_STORE_CTX_get_error(store);
    const auto& errors = connection->verifyErrors();
    for (std::size_t i = before; i < errors.size(); ++i) {
      outcome.errors.push_back({errors[i].depth, errors[i].code});
    }
    const int ok = outcome.ok;
    // Only complete outcomes are kept: a chain whose errors overflowed the record is verified
    // again each time rather than replayed short.
    if (errors.size() < Connection::kMaxVerifyErrors) cache->insert(std::move(key), outcome, now);
    return ok;
  } catch (...) {  // nothing may cross OpenSSL's C frames: verify without the cache
    return X509_verify_cert(store);
  }
}

// Called when the server issues a session (a ticket, in TLS 1.2 in the handshake and in TLS 1.3
// after it). Returning 0 tells OpenSSL we kept no reference.
int newSessionCallback(SSL* ssl, SSL_SESSION* session) {
  if (SSL_SESSION_has_ticket(session) != 0 && connectionOf(ssl) != nullptr) {
    connectionOf(ssl)->recordTicket();
  }
  return 0;
}

long bioCallback(BIO* bio, int operation, const char* data, std::size_t /*length*/, int /*argi*/,
                 long /*argl*/, int ret, std::size_t* processed) {
  if (operation == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed != nullptr) {
    auto* connection = reinterpret_cast<Connection*>(BIO_get_callback_arg(bio));  // NOLINT
    if (connection != nullptr) {
      try {
        connection->recordReceived(data, *processed);
      } catch (...) {  // nothing may cross OpenSSL's C frames
      }
    }
  }
  return ret;
}

// Every error queued by OpenSSL, as "reason; reason", most specific first as queued.
std::string drainErrors() {
  std::string text;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    const char* reason = ERR_reason_error_string(code);
    std::string part = reason != nullptr ? reason : "";
    if (part.empty()) {
      std::array<char, 256> buffer{};
      ERR_error_string_n(code, buffer.data(), buffer.size());
      part = buffer.data();
    }
    if (text.find(part) != std::string::npos) continue;
    if (!text.empty()) text += "; ";
    text += part;
  }
  return text;
}

std::string groupName(SSL* ssl) {
  const int nid = static_cast<int>(SSL_get_negotiated_group(ssl));
  if (nid != 0 && nid != NID_undef) {
    if (const char* name = SSL_group_to_name(ssl, nid); name != nullptr) return name;
    if (const char* name = OBJ_nid2sn(nid & ~TLSEXT_nid_unknown); name != nullptr) return name;
  }
  EVP_PKEY* key = nullptr;
  if (SSL_get_peer_tmp_key(ssl, &key) == 1 && key != nullptr) {
    const EvpPkeyPtr owned(key);
    std::array<char, 80> name{};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key, name.data(), name.size(), &length) == 1) return name.data();
    if (const char* type = OBJ_nid2sn(EVP_PKEY_get_base_id(key)); type != nullptr) return type;
  }
  return {};
}

// RFC 7301: each protocol as a one-byte length and its bytes.
std::vector<unsigned char> alpnWire(const std::vector<std::string>& protocols) {
  std::vector<unsigned char> wire;
  for (const std::string& protocol : protocols) {
    if (protocol.empty() || protocol.size() > 255) {
      throw UsageError("ALPN protocol names are 1 to 255 bytes (" + quoteInput(protocol) + ")");
    }
    wire.push_back(static_cast<unsigned char>(protocol.size()));
    wire.insert(wire.end(), protocol.begin(), protocol.end());
  }
  return wire;
}

}  // namespace

ClientContext::ClientContext(const ClientOptions& options)
    : context_(SSL_CTX_new(TLS_client_method())), chains_(std::make_unique<ChainCache>()) {
  if (!context_) throw Error(ExitCode::RuntimeError, "SSL_CTX_new: " + drainErrors());
  SSL_CTX* ctx = context_.get();
  if (options.min_version > options.max_version) {
    throw UsageError("--tls-min " + std::string(toString(options.min_version)) +
                     " is above --tls-max " + std::string(toString(options.max_version)));
  }
  SSL_CTX_set_min_proto_version(ctx, toOpenSsl(options.min_version));
  SSL_CTX_set_max_proto_version(ctx, toOpenSsl(options.max_version));
  // Security level 0: a 1024-bit key or a SHA-1 signature must not stop the handshake, because
  // the report is where weak certificates are judged (issue 5), not the TLS library.
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verifyCallback);
  SSL_CTX_set_cert_verify_callback(ctx, verifyChain, chains_.get());
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, newSessionCallback);
  // No partial writes: a query goes out as one record, length and message together.
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);

  if (!options.alpn.empty()) {
    const std::vector<unsigned char> wire = alpnWire(options.alpn);
    if (SSL_CTX_set_alpn_protos(ctx, wire.data(), static_cast<unsigned>(wire.size())) != 0) {
      throw Error(ExitCode::RuntimeError, "SSL_CTX_set_alpn_protos: " + drainErrors());
    }
  }

  // The trust store, in memory: no verification touches the file system (trust_store.hpp).
  TrustStore trust = loadTrustStore(options.ca_file, options.ca_dir);
  SSL_CTX_set_cert_store(ctx, trust.store.release());  // the context owns it from here
  trust_store_ = std::move(trust.description);
}

Connection::Connection(const ClientContext& context, int fd, const std::string& sni,
                       const ConnectionOptions& options)
    : ssl_(SSL_new(context.get())), fd_(fd) {
  if (!ssl_) throw Error(ExitCode::RuntimeError, "SSL_new: " + drainErrors());
  SSL* ssl = ssl_.get();
  SSL_set_ex_data(ssl, 0, this);
  BIO* bio = BIO_new_socket(fd, BIO_NOCLOSE);
  if (bio == nullptr) throw Error(ExitCode::RuntimeError, "BIO_new_socket: " + drainErrors());
  BIO_set_callback_ex(bio, bioCallback);
  BIO_set_callback_arg(bio, reinterpret_cast<char*>(this));  // NOLINT: OpenSSL's char* argument
  SSL_set_bio(ssl, bio, bio);                                // the SSL owns the BIO from here
  if (!sni.empty()) {
    // SSL_set_tlsext_host_name(3), spelled out: the macro's (void*) cast trips -Wold-style-cast.
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(sni.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  }
  SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);  // ask for a stapled OCSP response
  if (options.only_version) {
    SSL_set_min_proto_version(ssl, toOpenSsl(*options.only_version));
    SSL_set_max_proto_version(ssl, toOpenSsl(*options.only_version));
  }
  if (options.alpn) {
    // SSL_set_alpn_protos with no protocols removes the extension.
    const std::vector<unsigned char> wire = alpnWire(*options.alpn);
    if (SSL_set_alpn_protos(ssl, wire.empty() ? nullptr : wire.data(),
                            static_cast<unsigned>(wire.size())) != 0) {
      throw Error(ExitCode::RuntimeError, "SSL_set_alpn_protos: " + drainErrors());
    }
  }
  if (options.resume != nullptr && SSL_set_session(ssl, options.resume) != 1) {
    throw Error(ExitCode::RuntimeError, "SSL_set_session: " + drainErrors());
  }
  SSL_set_connect_state(ssl);
  prefix_.reserve(kPrefixCap);
}

Connection::~Connection() {
  if (ssl_ && SSL_is_init_finished(ssl_.get()) != 0) {
    // One non-blocking close_notify, best effort; the socket closes right after.
    ERR_clear_error();
    SSL_shutdown(ssl_.get());
    ERR_clear_error();
  }
}

net::IoStatus Connection::handshake() {
  ERR_clear_error();
  errno = 0;
  const net::IoStatus status = mapResult(SSL_do_handshake(ssl_.get()));
  if (status == net::IoStatus::Failed && !prefix_.empty() && prefix_.size() < kPrefixCap) {
    // OpenSSL gives up after a record header (5 bytes); what else is already waiting tells the
    // report which protocol answered ("SSH-2.0-OpenSSH...", "HTTP/1.1 400"). Never waits.
    std::array<std::uint8_t, kPrefixCap> more{};
    const ssize_t got = ::recv(fd_, more.data(), kPrefixCap - prefix_.size(), MSG_DONTWAIT);
    if (got > 0) {
      prefix_.insert(prefix_.end(), more.begin(), more.begin() + got);
    }
  }
  return status;
}

net::IoStatus Connection::mapResult(int ret) {
  if (ret == 1) return net::IoStatus::Done;
  const int saved_errno = errno;
  switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_WANT_READ:
      return net::IoStatus::NeedRead;
    case SSL_ERROR_WANT_WRITE:
      return net::IoStatus::NeedWrite;
    case SSL_ERROR_ZERO_RETURN:
      failure_ = "the peer closed the TLS session (close_notify)";
      break;
    case SSL_ERROR_SYSCALL: {
      const std::string queued = drainErrors();
      if (saved_errno != 0) {
        failure_ = errorText(saved_errno);
      } else if (!queued.empty()) {
        failure_ = queued;
      } else {
        failure_ = "the peer closed the connection";
      }
      break;
    }
    case SSL_ERROR_SSL:
      failure_ = drainErrors();
      if (failure_.empty()) failure_ = "TLS protocol error";
      break;
    default:
      failure_ = "TLS error: " + drainErrors();
      break;
  }
  return net::IoStatus::Failed;
}

net::IoResult Connection::write(std::span<const std::uint8_t> bytes) {
  ERR_clear_error();
  errno = 0;
  std::size_t written = 0;
  const int ret = SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written);
  if (ret == 1) return {net::IoStatus::Done, written, false};
  return {mapResult(ret), 0, false};
}

net::IoResult Connection::read(std::span<std::uint8_t> buffer) {
  ERR_clear_error();
  errno = 0;
  std::size_t got = 0;
  const int ret = SSL_read_ex(ssl_.get(), buffer.data(), buffer.size(), &got);
  if (ret == 1) return {net::IoStatus::Done, got, false};
  const int error = SSL_get_error(ssl_.get(), ret);
  if (error == SSL_ERROR_ZERO_RETURN) return {net::IoStatus::Done, 0, true};
  if (error == SSL_ERROR_SSL &&
      ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    ERR_clear_error();  // a bare TCP close without close_notify: still the end of the answers
    return {net::IoStatus::Done, 0, true};
  }
  if (error == SSL_ERROR_SYSCALL && errno == 0 && ERR_peek_error() == 0) {
    return {net::IoStatus::Done, 0, true};
  }
  return {mapResult(ret), 0, false};
}

bool Connection::peerSpokeNotTls() const {
  if (prefix_.empty()) return false;
  // A TLS record opens with a content type (20 change_cipher_spec .. 24 heartbeat) and a major
  // version of 3 (RFC 8446 section 5.1). Anything else is some other protocol.
  const std::uint8_t type = prefix_[0];
  if (type < 20 || type > 24) return true;
  return prefix_.size() >= 2 && prefix_[1] != 3;
}

void Connection::recordReceived(const char* data, std::size_t length) {
  const std::size_t room = kPrefixCap - prefix_.size();
  const std::size_t take = std::min(room, length);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);  // NOLINT: byte view
  prefix_.insert(prefix_.end(), bytes, bytes + take);               // NOLINT: bounded above
}

void Connection::recordVerifyError(int depth, int code) {
  if (verify_errors_.size() >= kMaxVerifyErrors) return;
  const char* text = X509_verify_cert_error_string(code);
  verify_errors_.push_back({depth, code, text != nullptr ? text : "unknown"});
}

SslSessionPtr Connection::resumableSession() const {
  if (SSL_is_init_finished(ssl_.get()) != 1) return nullptr;
  return SslSessionPtr(SSL_get1_session(ssl_.get()));
}

bool Connection::resumed() const {
  return SSL_session_reused(ssl_.get()) == 1;
}

std::uint64_t Connection::bytesSent() const {
  return BIO_number_written(SSL_get_wbio(ssl_.get()));
}

std::uint64_t Connection::bytesReceived() const {
  return BIO_number_read(SSL_get_rbio(ssl_.get()));
}

model::TlsSession Connection::session(const std::string& trust_store, const std::string& auth_name,
                                      const Address& address) const {
  SSL* ssl = ssl_.get();
  model::TlsSession session;
  session.version = SSL_get_version(ssl);
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl); cipher != nullptr) {
    const char* standard = SSL_CIPHER_standard_name(cipher);
    session.cipher = standard != nullptr ? standard : SSL_CIPHER_get_name(cipher);
  }
  session.group = groupName(ssl);
  const unsigned char* alpn = nullptr;
  unsigned alpn_length = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_length);
  if (alpn != nullptr && alpn_length > 0) {
    session.alpn = std::string(reinterpret_cast<const char*>(alpn), alpn_length);  // NOLINT
  }
  const unsigned char* ocsp = nullptr;
  session.ocsp_stapled = SSL_get_tlsext_status_ocsp_resp(ssl, &ocsp) > 0;
  session.session_ticket = ticket_;
  const STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  session.chain_length = chain != nullptr ? sk_X509_num(chain) : 0;
  session.auth_name = auth_name;
  if (X509* leaf = SSL_get0_peer_certificate(ssl); leaf != nullptr) {
    if (!auth_name.empty()) {
      // RFC 8310 section 8 and RFC 6125: DNS-ID only, no partial wildcards ("f*.example").
      session.name_matches = X509_check_host(leaf, auth_name.data(), auth_name.size(),
                                             X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) == 1;
    } else {
      // iPAddress SANs compared as bytes: 4 for IPv4, 16 for IPv6 (X509_check_ip(3)).
      std::array<unsigned char, 16> bytes{};
      address.toV6Bytes(bytes.data());
      const bool v4 = address.isV4();
      session.name_matches =
          X509_check_ip(leaf, v4 ? bytes.data() + 12 : bytes.data(), v4 ? 4 : 16, 0) == 1;
    }
  }
  session.bytes_sent = bytesSent();
  session.bytes_received = bytesReceived();

  model::Verification& verification = session.verification;
  verification.trust_store = trust_store;
  verification.errors = verify_errors_;
  const long result = SSL_get_verify_result(ssl);
  if (!verify_errors_.empty()) {
    verification.code = verify_errors_.front().code;
    verification.reason = verify_errors_.front().reason;
  } else {
    verification.code = static_cast<int>(result);
    const char* text = X509_verify_cert_error_string(result);
    verification.reason = text != nullptr ? text : "unknown";
  }
  verification.trusted = verify_errors_.empty() && result == X509_V_OK && chain != nullptr;
  if (chain == nullptr) {
    verification.code = X509_V_ERR_UNSPECIFIED;
    verification.reason = "the server sent no certificate";
  }
  return session;
}

std::vector<model::CertificateInfo> Connection::chain(std::time_t now, bool include_pem) const {
  std::vector<model::CertificateInfo> described;
  const STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl_.get());
  if (chain == nullptr) return described;
  const int count = sk_X509_num(chain);
  described.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const X509* certificate = sk_X509_value(chain, i);
    if (certificate != nullptr) {
      described.push_back(describeCertificate(*certificate, now, include_pem));
    }
  }
  return described;
}

std::string libraryVersion() {
  // OpenSSL_version(3): the library loaded, which may be newer than the headers built against.
  return OpenSSL_version(OPENSSL_VERSION);
}

}  // namespace dotscan::tls

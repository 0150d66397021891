// The hostile-server matrix (issue 16) as tests: every misbehaviour of the in-process test server
// against the engine over loopback, each with its expected outcome and phase, and a wall-time
// bound derived from the configured timeouts. The bound is the deadline, not a speed: the slack
// is for a shared machine, and no case asserts how fast anything is. Every result is also written
// by both report writers, which must carry no raw control byte, whatever the peer sent.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dotscan/dns/message.hpp"
#include "dotscan/report/human.hpp"
#include "dotscan/report/json_lines.hpp"

#include "support/collecting.hpp"
#include "support/hostile_certs.hpp"
#include "support/test_server.hpp"

namespace dotscan::probe {
namespace {

using model::Outcome;
using model::Phase;
using std::chrono::milliseconds;
using testing::Behaviour;
using testing::testCaPath;
using testing::TestServer;

const Address kLoopback = *Address::parse("127.0.0.1");

// Short deadlines, so that the whole matrix stays within a minute; retries 0 keeps the connect
// bound to one attempt.
constexpr milliseconds kConnectTimeout(1000);
constexpr milliseconds kTlsTimeout(1000);
constexpr milliseconds kDnsTimeout(1000);
constexpr int kRetries = 0;
// What the machine may add to a deadline: thread wake-ups, ASan, other tests on two cores.
constexpr milliseconds kSlack(1500);

struct HostileCase {
  const char* name;  // the test's name
  Behaviour behaviour;
  Outcome outcome;
  Phase phase;
  const char* reason = "";  // a part of the reason; empty: not checked
  // The server's certificate: a test CA leaf NAME (NAME-chain.pem, NAME.key), or "hostile/NAME"
  // from writeHostileCertificates; a NAME ending in .pem or .crt is the chain file itself, its
  // key then named by `key`.
  const char* certificate = "ecdsa";
  const char* key = "";
  int chain_copies = 0;     // copies of the test CA's intermediate sent after the chain
  int max_tls_version = 0;  // the server's highest version; 0: its default (TLS 1.3)
  // The TLS attempt ended with nothing TLS received (or not-tls), so the probe asked the query
  // again in cleartext on a second connection (RFC 7858 section 3.1): one more connect and DNS
  // deadline in the bound, and the reason says how that went.
  bool cleartext = false;
  const char* verification = "";  // a part of the chain verification's reason; empty: not checked
  std::optional<bool> name_matches{};
  int chain_length = 0;  // certificates the server sent; 0: not checked
};

std::ostream& operator<<(std::ostream& out, const HostileCase& c) {
  return out << c.name;
}

// The deadlines on the probe's path to where the case ends, added up: connect (each attempt),
// the TLS handshake unless it ended at connect, the DNS exchange once a query was sent, and the
// second connection's connect and DNS for the cleartext check.
milliseconds deadlineBound(const HostileCase& c) {
  milliseconds bound = kConnectTimeout * (1 + kRetries);
  if (c.phase != Phase::Connect) bound += kTlsTimeout;
  if (c.phase == Phase::DnsQuery || c.phase == Phase::DnsAnswer || c.outcome == Outcome::Dot) {
    bound += kDnsTimeout;
  }
  if (c.cleartext) bound += kConnectTimeout + kDnsTimeout;
  return bound;
}

// The first raw control byte of `text` (C0 other than the newline that ends a line, DEL, or a C1
// control encoded as UTF-8), as an offset; npos when there is none.
std::size_t firstControl(const std::string& text, bool allow_newline) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n' && allow_newline) continue;
    if (byte < 0x20 || byte == 0x7f) return i;
    if (byte == 0xc2 && i + 1 < text.size() &&
        (static_cast<unsigned char>(text[i + 1]) & 0xe0U) == 0x80) {
      return i;  // U+0080..U+009F
    }
  }
  return std::string::npos;
}

// What the listing prints for `result`.
std::string humanListing(const model::ProbeResult& result) {
  const std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::tmpfile(), &std::fclose);
  if (!file) return "(no tmpfile)";
  report::ListingOptions streamed;
  streamed.sort_limit = 0;  // the block at once, not sorted at the end
  report::HumanReport listing(file.get(), streamed);
  listing.add(result);
  std::rewind(file.get());
  std::string text;
  std::array<char, 4096> buffer{};
  std::size_t got = 0;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) {
    text.append(buffer.data(), got);
  }
  return text;
}

// Where `text` has a raw control byte, for a failure message.
std::string describeControl(const std::string& text, std::size_t at) {
  if (at == std::string::npos) return "none";
  std::array<char, 8> hex{};
  std::snprintf(hex.data(), hex.size(), "0x%02x", static_cast<unsigned char>(text[at]));
  return std::string(hex.data()) + " at offset " + std::to_string(at) + ", after \"" +
         report::terminalSafe(text.substr(at > 40 ? at - 40 : 0, std::min<std::size_t>(at, 40))) +
         "\"";
}

// Both reports of `result`, checked for raw control bytes.
void expectNoRawControlBytes(const model::ProbeResult& result) {
  const std::string json = report::resultToJson(result);
  const std::size_t in_json = firstControl(json, false);
  EXPECT_EQ(in_json, std::string::npos) << "JSON: " << describeControl(json, in_json);
  const std::string text = humanListing(result);
  const std::size_t in_text = firstControl(text, true);
  EXPECT_EQ(in_text, std::string::npos) << "listing: " << describeControl(text, in_text);
}

class HostileTest : public ::testing::TestWithParam<HostileCase> {
 public:
  static void SetUpTestSuite() {
    std::string pattern = std::filesystem::temp_directory_path() / "dotscan-hostile-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    certificate_dir_ = new std::string(pattern);  // NOLINT: one per process, freed below
    testing::writeHostileCertificates(*certificate_dir_);
  }
  static void TearDownTestSuite() {
    if (certificate_dir_ == nullptr) return;
    std::filesystem::remove_all(*certificate_dir_);
    delete certificate_dir_;  // NOLINT
    certificate_dir_ = nullptr;
  }

 protected:
  HostileTest() {
    settings_.threads = 1;
    settings_.max_parallel = 4;
    settings_.grace = milliseconds(200);
    settings_.probe.connect_timeout = kConnectTimeout;
    settings_.probe.tls_timeout = kTlsTimeout;
    settings_.probe.retries = kRetries;
    dns::QueryOptions options;
    options.name = "dot.test";
    options.type = 1;  // A
    auto dns = std::make_shared<DnsSettings>();
    dns->queries.emplace_back(options);
    dns->timeout = kDnsTimeout;
    settings_.probe.dns = dns;
    tls_.ca_file = testCaPath("ca.crt");
  }

  static std::string certificatePath(const std::string& name, const char* suffix) {
    static constexpr std::string_view kHostile = "hostile/";
    if (name.rfind(kHostile, 0) == 0) {
      return *certificate_dir_ + "/" + name.substr(kHostile.size()) + suffix;
    }
    return testCaPath(name + suffix);
  }

  static std::string chainFile(const HostileCase& c) {
    const std::string name = c.certificate;
    const bool whole = name.ends_with(".pem") || name.ends_with(".crt");
    return whole ? testCaPath(name) : certificatePath(name, "-chain.pem");
  }

  static std::string keyFile(const HostileCase& c) {
    return certificatePath(*c.key != '\0' ? c.key : c.certificate, ".key");
  }

  EngineSettings settings_;
  tls::ClientOptions tls_;
  SteadyClock clock_;
  static std::string* certificate_dir_;
};

std::string* HostileTest::certificate_dir_ = nullptr;

TEST_P(HostileTest, OutcomePhaseAndDeadline) {
  const HostileCase& c = GetParam();
  testing::ServerOptions options;
  options.max_tls_version = c.max_tls_version;
  TestServer server(c.behaviour, chainFile(c), keyFile(c), c.chain_copies, options);

  const auto started = std::chrono::steady_clock::now();
  const auto results = testing::scanOverTls(
      settings_, tls_, {ProbeTarget{kLoopback, server.port(), "dot.test", "dot.test", "dot.test"}},
      clock_);
  const auto wall = std::chrono::steady_clock::now() - started;

  ASSERT_EQ(results.size(), 1U);
  const model::ProbeResult& result = results.front();
  // In --gtest_output=xml, for reading the whole matrix at a glance.
  RecordProperty("outcome", std::string(model::toString(result.outcome)));
  RecordProperty("phase", std::string(model::toString(result.phase)));
  RecordProperty("reason", report::terminalSafe(result.reason));
  RecordProperty("wall_ms",
                 static_cast<int>(std::chrono::duration_cast<milliseconds>(wall).count()));
  EXPECT_EQ(model::toString(result.outcome), model::toString(c.outcome)) << result.reason;
  EXPECT_EQ(model::toString(result.phase), model::toString(c.phase)) << result.reason;
  EXPECT_NE(result.reason.find(c.reason), std::string::npos) << result.reason;

  const milliseconds bound = deadlineBound(c) + kSlack;
  EXPECT_LE(wall, bound) << "the scan took "
                         << std::chrono::duration_cast<milliseconds>(wall).count()
                         << " ms: " << result.reason;
  EXPECT_LE(result.timings.total_ms, static_cast<double>(bound.count())) << result.reason;

  if (result.phase == Phase::TlsHandshake || c.cleartext) {
    // "...; no cleartext DNS either (...)" or "DNS answered in cleartext ..."; the second
    // connection may itself fail before a query is sent, so result.dns need not be there.
    EXPECT_EQ(result.reason.find("cleartext") != std::string::npos, c.cleartext) << result.reason;
    if (result.dns) {
      EXPECT_TRUE(result.dns->cleartext);
    }
  }
  if (*c.verification != '\0' || c.name_matches || c.chain_length != 0) {
    ASSERT_TRUE(result.tls) << result.reason;
    EXPECT_NE(result.tls->verification.reason.find(c.verification), std::string::npos)
        << result.tls->verification.reason;
    if (c.name_matches) {
      EXPECT_EQ(result.tls->name_matches, c.name_matches);
    }
    if (c.chain_length != 0) {
      EXPECT_EQ(result.tls->chain_length, c.chain_length);
      EXPECT_EQ(result.certificates.size(), static_cast<std::size_t>(c.chain_length));
    }
  }
  expectNoRawControlBytes(result);
}

constexpr Outcome kDot = Outcome::Dot;
constexpr Phase kDone = Phase::Done;
constexpr Phase kHandshake = Phase::TlsHandshake;
constexpr Phase kAnswer = Phase::DnsAnswer;

// clang-format off
const HostileCase kCases[] = {
    // Silence, at each phase.
    {.name = "SilenceAtConnect", .behaviour = Behaviour::BacklogFull,
     .outcome = Outcome::Filtered, .phase = Phase::Connect, .reason = "no answer to 1 connection attempt"},
    {.name = "SilenceAfterAccept", .behaviour = Behaviour::StallBeforeHandshake,
     .outcome = Outcome::TlsTimeout, .phase = kHandshake, .reason = "no answer to the ClientHello",
     .cleartext = true},
    {.name = "SilenceMidHandshake", .behaviour = Behaviour::StallMidHandshake,
     .outcome = Outcome::TlsTimeout, .phase = kHandshake, .reason = "the TLS handshake stalled"},
    {.name = "SilenceAfterQuery", .behaviour = Behaviour::DnsSilence,
     .outcome = Outcome::DnsTimeout, .phase = kAnswer, .reason = "no answer to the query"},
    {.name = "SilenceAfterLength", .behaviour = Behaviour::DnsLengthOnly,
     .outcome = Outcome::DnsTimeout, .phase = kAnswer, .reason = "answer incomplete: 0 of"},
    {.name = "SilenceInLength", .behaviour = Behaviour::DnsHalfLength,
     .outcome = Outcome::DnsTimeout, .phase = kAnswer, .reason = "answer incomplete: 1 of 2 length bytes"},
    {.name = "SilenceMidBody", .behaviour = Behaviour::DnsLengthBeyondBody,
     .outcome = Outcome::DnsTimeout, .phase = kAnswer, .reason = "answer incomplete: "},
    // Resets and closes: after the connect succeeded, a reset is a TLS-phase failure, never closed.
    {.name = "ResetOnAccept", .behaviour = Behaviour::ResetOnAccept,
     .outcome = Outcome::TlsFailed, .phase = kHandshake, .reason = "reset", .cleartext = true},
    {.name = "ResetMidHandshake", .behaviour = Behaviour::ResetMidHandshake,
     .outcome = Outcome::TlsFailed, .phase = kHandshake, .reason = "reset", .cleartext = true},
    {.name = "ResetAfterHandshake", .behaviour = Behaviour::ResetAfterHandshake,
     .outcome = Outcome::TlsNoDns, .phase = kAnswer, .reason = "reset"},
    {.name = "ResetAfterQuery", .behaviour = Behaviour::ResetAfterQuery,
     .outcome = Outcome::TlsNoDns, .phase = kAnswer, .reason = "reset"},
    {.name = "ResetMidAnswer", .behaviour = Behaviour::ResetMidAnswer,
     .outcome = Outcome::DnsMalformed, .phase = kAnswer, .reason = "reset"},
    {.name = "CloseOnAccept", .behaviour = Behaviour::CloseOnAccept,
     .outcome = Outcome::TlsFailed, .phase = kHandshake, .cleartext = true},
    {.name = "CloseMidHandshake", .behaviour = Behaviour::CloseMidHandshake,
     .outcome = Outcome::TlsFailed, .phase = kHandshake, .cleartext = true},
    {.name = "CloseAfterHandshake", .behaviour = Behaviour::CloseAfterHandshake,
     .outcome = Outcome::TlsNoDns, .phase = kAnswer},
    // Garbage, HTTP and other protocols.
    {.name = "GarbageAtOnce", .behaviour = Behaviour::GarbageAtOnce,
     .outcome = Outcome::NotTls, .phase = kHandshake, .reason = "not TLS", .cleartext = true},
    // The reason's wording for a slow peer is being changed (issue 16, item 10): not checked.
    {.name = "SlowGarbageForever", .behaviour = Behaviour::SlowGarbage,
     .outcome = Outcome::NotTls, .phase = kHandshake, .cleartext = true},
    {.name = "SshBanner", .behaviour = Behaviour::PlainTcp,
     .outcome = Outcome::NotTls, .phase = kHandshake, .reason = "not TLS", .cleartext = true},
    {.name = "HttpBadRequest", .behaviour = Behaviour::HttpResponse,
     .outcome = Outcome::NotTls, .phase = kHandshake, .reason = "not TLS", .cleartext = true},
    {.name = "TlsHeaderThenGarbage", .behaviour = Behaviour::TlsHeaderGarbage,
     .outcome = Outcome::TlsFailed, .phase = kHandshake},
    {.name = "OversizedRecord", .behaviour = Behaviour::OversizedRecord,
     .outcome = Outcome::TlsFailed, .phase = kHandshake},
    {.name = "PlaintextInsideSession", .behaviour = Behaviour::PlaintextAfterHandshake,
     .outcome = Outcome::TlsNoDns, .phase = kAnswer},
    {.name = "CleartextDnsServer", .behaviour = Behaviour::PlainDns,
     .outcome = Outcome::CleartextDns, .phase = kDone, .reason = "DNS answered in cleartext",
     .cleartext = true},
    // Alerts.
    {.name = "HandshakeFailureAlert", .behaviour = Behaviour::Alert,
     .outcome = Outcome::TlsFailed, .phase = kHandshake, .reason = "alert handshake failure"},
    {.name = "CloseNotifyInHandshake", .behaviour = Behaviour::CloseNotify,
     .outcome = Outcome::TlsFailed, .phase = kHandshake},
    // Slow bytes at every phase.
    {.name = "DribbledHandshake", .behaviour = Behaviour::DribbleHandshake,
     .outcome = Outcome::TlsTimeout, .phase = kHandshake, .reason = "the TLS handshake stalled"},
    {.name = "DribbledLength", .behaviour = Behaviour::DnsDribbleLength,
     .outcome = Outcome::DnsTimeout, .phase = kAnswer, .reason = "1 of 2 length bytes"},
    {.name = "DribbledBody", .behaviour = Behaviour::DnsDribbleBody,
     .outcome = Outcome::DnsTimeout, .phase = kAnswer, .reason = "answer incomplete: "},
    {.name = "DribbledInTime", .behaviour = Behaviour::DnsDribbleInTime,
     .outcome = kDot, .phase = kDone},
    // Renegotiation (TLS 1.2) and KeyUpdate (TLS 1.3).
    {.name = "RenegotiationBeforeQuery", .behaviour = Behaviour::RenegotiateBeforeQuery,
     .outcome = kDot, .phase = kDone, .max_tls_version = testing::kTls12Version},
    {.name = "RenegotiationBeforeAnswer", .behaviour = Behaviour::RenegotiateBeforeAnswer,
     .outcome = kDot, .phase = kDone, .max_tls_version = testing::kTls12Version},
    {.name = "KeyUpdates", .behaviour = Behaviour::KeyUpdateBeforeAnswer,
     .outcome = kDot, .phase = kDone},
    {.name = "KeyUpdateFlood", .behaviour = Behaviour::KeyUpdateFlood,
     .outcome = kDot, .phase = kDone},
    // Every malformed DNS framing, and the answers that must still count.
    {.name = "DnsAnswer", .behaviour = Behaviour::DnsAnswer, .outcome = kDot, .phase = kDone,
     .verification = "ok", .name_matches = true, .chain_length = 2},
    {.name = "DnsAnswerThenClose", .behaviour = Behaviour::DnsAnswerThenClose,
     .outcome = kDot, .phase = kDone},
    {.name = "DnsHugeAnswer", .behaviour = Behaviour::DnsHuge, .outcome = kDot, .phase = kDone},
    {.name = "DnsSecondFrameOfGarbage", .behaviour = Behaviour::DnsTwoFrames,
     .outcome = kDot, .phase = kDone},
    {.name = "DnsWrongId", .behaviour = Behaviour::DnsWrongId,
     .outcome = Outcome::DnsMalformed, .phase = kAnswer, .reason = "id"},
    {.name = "DnsQrClear", .behaviour = Behaviour::DnsQrClear,
     .outcome = Outcome::DnsMalformed, .phase = kAnswer, .reason = "qr"},
    {.name = "DnsWrongQuestion", .behaviour = Behaviour::DnsWrongQuestion,
     .outcome = Outcome::DnsMalformed, .phase = kAnswer, .reason = "question"},
    {.name = "DnsZeroLength", .behaviour = Behaviour::DnsZeroLength,
     .outcome = Outcome::DnsMalformed, .phase = kAnswer, .reason = "framing: zero-length frame"},
    {.name = "DnsBodyCut", .behaviour = Behaviour::DnsBodyCut,
     .outcome = Outcome::DnsMalformed, .phase = kAnswer, .reason = "framing: body cut short"},
    {.name = "DnsLengthCut", .behaviour = Behaviour::DnsHalfLengthClose,
     .outcome = Outcome::DnsMalformed, .phase = kAnswer, .reason = "framing"},
    {.name = "DnsMaxLengthCut", .behaviour = Behaviour::DnsMaxLengthCut,
     .outcome = Outcome::DnsMalformed, .phase = kAnswer, .reason = "framing"},
    {.name = "DnsShorterThanHeader", .behaviour = Behaviour::DnsShortMessage,
     .outcome = Outcome::DnsMalformed, .phase = kAnswer},
    {.name = "DnsGarbageBody", .behaviour = Behaviour::DnsGarbageBody,
     .outcome = Outcome::DnsMalformed, .phase = kAnswer},
    {.name = "DnsCompressionLoop", .behaviour = Behaviour::DnsCompressionLoop,
     .outcome = Outcome::DnsMalformed, .phase = kAnswer, .reason = "parse"},
    // Long chains: 201 small certificates are read and described; 201 copies of an RSA
    // intermediate exceed OpenSSL's 100 KB certificate-list limit.
    {.name = "Chain201", .behaviour = Behaviour::DnsAnswer, .outcome = kDot, .phase = kDone,
     .certificate = "hostile/chain-201", .name_matches = true, .chain_length = 201},
    {.name = "Chain100", .behaviour = Behaviour::DnsAnswer, .outcome = kDot, .phase = kDone,
     .chain_copies = 98, .chain_length = 100},
    {.name = "Chain202Oversized", .behaviour = Behaviour::DnsAnswer,
     .outcome = Outcome::TlsFailed, .phase = kHandshake, .reason = "excessive message size",
     .chain_copies = 200},
    // Escape sequences and odd string types in certificates.
    {.name = "EscapesInSubject", .behaviour = Behaviour::DnsAnswer, .outcome = kDot,
     .phase = kDone, .certificate = "hostile/escape-subject", .name_matches = true},
    {.name = "EscapesInIssuer", .behaviour = Behaviour::DnsAnswer, .outcome = kDot,
     .phase = kDone, .certificate = "hostile/escape-issuer", .verification = "self-signed"},
    {.name = "UndecodableStrings", .behaviour = Behaviour::DnsAnswer, .outcome = kDot,
     .phase = kDone, .certificate = "hostile/bad-strings"},
    {.name = "GarbageExtensions", .behaviour = Behaviour::DnsAnswer, .outcome = kDot,
     .phase = kDone, .certificate = "hostile/garbage-extensions"},
    {.name = "ValidUntil9999", .behaviour = Behaviour::DnsAnswer, .outcome = kDot,
     .phase = kDone, .certificate = "hostile/long-lived", .verification = "ok"},
    // Bad certificates from the test CA: the handshake completes and the DNS answer counts;
    // what is wrong is recorded.
    {.name = "Expired", .behaviour = Behaviour::DnsAnswer, .outcome = kDot, .phase = kDone,
     .certificate = "expired", .verification = "certificate has expired"},
    {.name = "NotYetValid", .behaviour = Behaviour::DnsAnswer, .outcome = kDot, .phase = kDone,
     .certificate = "notyet", .verification = "certificate is not yet valid"},
    {.name = "WrongName", .behaviour = Behaviour::DnsAnswer, .outcome = kDot, .phase = kDone,
     .certificate = "wrongname", .verification = "ok", .name_matches = false},
    {.name = "NoSan", .behaviour = Behaviour::DnsAnswer, .outcome = kDot, .phase = kDone,
     .certificate = "nosan", .verification = "ok"},
    {.name = "WeakKey", .behaviour = Behaviour::DnsAnswer, .outcome = kDot, .phase = kDone,
     .certificate = "weak"},
    {.name = "Sha1Signature", .behaviour = Behaviour::DnsAnswer, .outcome = kDot, .phase = kDone,
     .certificate = "sha1"},
    {.name = "NoEku", .behaviour = Behaviour::DnsAnswer, .outcome = kDot, .phase = kDone,
     .certificate = "noeku"},
    {.name = "NegativeSerial", .behaviour = Behaviour::DnsAnswer, .outcome = kDot, .phase = kDone,
     .certificate = "negserial"},
    {.name = "SelfSigned", .behaviour = Behaviour::DnsAnswer, .outcome = kDot, .phase = kDone,
     .certificate = "selfsigned.crt", .key = "selfsigned", .verification = "self-signed"},
    {.name = "IncompleteChain", .behaviour = Behaviour::DnsAnswer, .outcome = kDot,
     .phase = kDone, .certificate = "leaf-onlyleaf.pem", .key = "ecdsa",
     .verification = "unable to get local issuer certificate", .chain_length = 1},
    {.name = "OddSans", .behaviour = Behaviour::DnsAnswer, .outcome = kDot, .phase = kDone,
     .certificate = "odd-san", .verification = "ok", .name_matches = true},
    {.name = "RsaLeafOverTls12", .behaviour = Behaviour::DnsAnswer, .outcome = kDot,
     .phase = kDone, .certificate = "rsa", .max_tls_version = testing::kTls12Version,
     .verification = "ok"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Matrix, HostileTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<HostileCase>& param) {
                           return std::string(param.param.name);
                         });

}  // namespace
}  // namespace dotscan::probe

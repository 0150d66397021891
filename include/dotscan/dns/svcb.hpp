// dotscan/dns/svcb.hpp — the RDATA of one SVCB record (RFC 9460 section 2.2) read into plain data
// (model::SvcbRecord), for Discovery of Designated Resolvers (RFC 9462).
//
// Wire format only, no ldns: ldns 1.8.3 expands a compressed SVCB target without a word and only
// checks the SvcParams when it prints them, so the RDATA is read here, from the message's own
// bytes. Invariants: the parser never reads outside its span, never throws on any bytes, and
// either accepts the whole RDATA or refuses it with one line saying why; it never returns half a
// record.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "dotscan/model/dns.hpp"

namespace dotscan::dns {

// RFC 9460 section 14.3.2 and RFC 9461: the SvcParamKeys read into their own fields.
inline constexpr std::uint16_t kSvcParamAlpn = 1;
inline constexpr std::uint16_t kSvcParamNoDefaultAlpn = 2;
inline constexpr std::uint16_t kSvcParamPort = 3;
inline constexpr std::uint16_t kSvcParamIpv4Hint = 4;
inline constexpr std::uint16_t kSvcParamIpv6Hint = 6;
inline constexpr std::uint16_t kSvcParamDohPath = 7;

// SVCB RDATA (the bytes RDLENGTH counts): SvcPriority, TargetName, then SvcParams. Refuses, with
// nullopt and the reason in *error when given: data cut short or left over; a TargetName that is
// not an uncompressed wire name (RFC 9460 section 2.2 forbids compression there), that has a
// label over 63 octets or that is longer than 255 octets; SvcParamKeys not in strictly increasing
// order (section 2.2); an alpn value that is empty or not a run of non-empty length-prefixed IDs
// (section 7.1.1); a no-default-alpn value that is not empty; a port value not 2 octets (7.2); an
// ipv4hint value not a non-empty multiple of 4 octets, an ipv6hint not of 16 (7.3). Other keys
// (mandatory, ech, any unknown one) are recorded in other_keys, their values not read. ALPN IDs
// and dohpath are kept as the octets sent; the target name escapes as RFC 1035 section 5.1 does
// ("\." in a label, "\DDD" for other octets outside printable ASCII).
std::optional<model::SvcbRecord> parseSvcbRdata(std::span<const std::uint8_t> rdata,
                                                std::string* error = nullptr);

}  // namespace dotscan::dns

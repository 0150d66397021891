#!/usr/bin/env bash
# Creates a test certificate authority and a set of good and bad leaf certificates for the
# integration tests, with FIXED validity dates (so "expired" stays expired and "valid" stays valid
# until 2050). Needs only the openssl command line (written against OpenSSL 3.0, Debian 12).
#   bash scripts/make-test-ca.sh OUTDIR
# Creates OUTDIR if needed and overwrites the files in it; rerunning it is safe. Keys are new on
# every run (unencrypted PEM), names, subjects, serials and dates are always the same.
# Fixed dates come from `openssl ca -startdate/-enddate` with a throwaway config and database
# in OUTDIR/.ca-work, which is removed again on success. Prints only errors, then one final line.
set -euo pipefail

if (($# != 1)) || [[ -z $1 ]]; then
  echo "usage: bash $0 OUTDIR" >&2
  exit 2
fi
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$out/.ca-work
rm -rf "$work"
mkdir -p "$work/newcerts"
log=$work/log

# Runs a command with its output kept in the log; shows the log and fails if the command fails.
run() {
  if ! "$@" >"$log" 2>&1; then
    echo "make-test-ca: failed: $*" >&2
    cat "$log" >&2
    exit 1
  fi
}

# Fixed dates (YYYYMMDDHHMMSSZ; openssl stores those before 2050 as UTCTime, as RFC 5280 wants).
ca_start=20200101000000Z
ca_end=20500101000000Z
leaf_start=20200101000000Z
leaf_end=20491231000000Z

: >"$work/index.txt"
cat >"$work/ca.cnf" <<EOF
[ca]
default_ca = test_ca

[test_ca]
dir              = $work
database         = \$dir/index.txt
new_certs_dir    = \$dir/newcerts
serial           = \$dir/serial
default_md       = sha256
policy           = policy_any
unique_subject   = no
email_in_dn      = no
copy_extensions  = none
name_opt         = ca_default
cert_opt         = ca_default

[policy_any]
countryName            = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied

[req]
distinguished_name = req_dn
prompt             = no

[req_dn]
CN = unused
EOF

# new_key NAME TYPE: writes NAME.key, TYPE is rsa2048, rsa1024 or p256.
new_key() {
  local name=$1 type=$2
  case $type in
    rsa2048) run openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/$name.key" ;;
    rsa1024) run openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$out/$name.key" ;;
    p256) run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/$name.key" ;;
    *) echo "make-test-ca: unknown key type $type" >&2 && exit 1 ;;
  esac
}

# issue NAME TYPE ISSUER SERIAL START END SUBJECT [extra openssl ca args...]
# Extensions are read from $work/NAME.ext (section "ext"). ISSUER "self" means self-signed.
issue() {
  local name=$1 type=$2 issuer=$3 serial=$4 start=$5 end=$6 subject=$7
  shift 7
  new_key "$name" "$type"
  run openssl req -new -config "$work/ca.cnf" -key "$out/$name.key" -subj "$subject" \
    -out "$work/$name.csr"
  printf '%s\n' "$serial" >"$work/serial"
  local signer=()
  if [[ $issuer == self ]]; then
    signer=(-selfsign -keyfile "$out/$name.key")
  else
    signer=(-cert "$out/$issuer.crt" -keyfile "$out/$issuer.key")
  fi
  run openssl ca -batch -notext -config "$work/ca.cnf" "${signer[@]}" \
    -startdate "$start" -enddate "$end" -subj "$subject" -preserveDN \
    -extfile "$work/$name.ext" -extensions ext -in "$work/$name.csr" -out "$out/$name.crt" "$@"
}

# leaf_ext NAME KEYUSAGE [SAN|-] [EKU|-]: writes the extension file of a leaf.
leaf_ext() {
  local name=$1 ku=$2 san=${3:--} eku=${4:--}
  {
    echo "[ext]"
    echo "basicConstraints = critical, CA:FALSE"
    echo "keyUsage = critical, $ku"
    echo "subjectKeyIdentifier = hash"
    echo "authorityKeyIdentifier = keyid:always"
    [[ $san == - ]] || echo "subjectAltName = $san"
    [[ $eku == - ]] || echo "extendedKeyUsage = $eku"
  } >"$work/$name.ext"
}

chain() { cat "$out/$1.crt" "$out/intermediate.crt" >"$out/$1-chain.pem"; }

# leaf NAME TYPE SERIAL START END SUBJECT KEYUSAGE SAN|- EKU|- [extra openssl ca args...]:
# a leaf issued by the intermediate, with its chain file.
leaf() {
  local name=$1 type=$2 serial=$3 start=$4 end=$5 subject=$6 ku=$7 san=$8 eku=$9
  shift 9
  leaf_ext "$name" "$ku" "$san" "$eku"
  issue "$name" "$type" intermediate "$serial" "$start" "$end" "$subject" "$@"
  chain "$name"
}

san_ok='DNS:dot.test, IP:127.0.0.1, IP:::1'
ku_ec='digitalSignature'
ku_rsa='digitalSignature, keyEncipherment'

# Root and intermediate (RSA 2048, so that the sha1 leaf gets the classic sha1WithRSAEncryption).
cat >"$work/root.ext" <<'EOF'
[ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
issue root rsa2048 self 01 "$ca_start" "$ca_end" '/O=dotscan test/CN=dotscan test root CA'
cat >"$work/intermediate.ext" <<'EOF'
[ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
issue intermediate rsa2048 root 02 "$ca_start" "$ca_end" '/O=dotscan test/CN=dotscan test intermediate CA'
cp "$out/root.crt" "$out/ca.crt"

# Good leaves.
leaf ecdsa p256 1001 "$leaf_start" "$leaf_end" '/CN=dot.test' "$ku_ec" "$san_ok" serverAuth
leaf rsa rsa2048 1002 "$leaf_start" "$leaf_end" '/CN=dot.test' "$ku_rsa" "$san_ok" serverAuth

# Bad leaves.
leaf expired p256 1003 20200101000000Z 20210101000000Z '/CN=dot.test' "$ku_ec" "$san_ok" serverAuth
leaf notyet p256 1004 20450101000000Z 20490101000000Z '/CN=dot.test' "$ku_ec" "$san_ok" serverAuth
cat >"$work/selfsigned.ext" <<EOF
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, $ku_ec
subjectKeyIdentifier = hash
subjectAltName = $san_ok
extendedKeyUsage = serverAuth
EOF
issue selfsigned p256 self 1005 "$leaf_start" "$leaf_end" '/CN=dot.test'
leaf wrongname p256 1006 "$leaf_start" "$leaf_end" '/CN=other.test' "$ku_ec" 'DNS:other.test' serverAuth
leaf nosan p256 1007 "$leaf_start" "$leaf_end" '/CN=dot.test' "$ku_ec" - serverAuth
leaf weak rsa1024 1008 "$leaf_start" "$leaf_end" '/CN=dot.test' "$ku_rsa" "$san_ok" serverAuth
leaf sha1 p256 1009 "$leaf_start" "$leaf_end" '/CN=dot.test' "$ku_ec" "$san_ok" serverAuth -md sha1
leaf noeku p256 100A "$leaf_start" "$leaf_end" '/CN=dot.test' "$ku_ec" "$san_ok" -
# openssl ca refuses a negative serial in its serial file ("short line"), and OpenSSL 3.0's
# `x509 -req` cannot fix notBefore. So: issue it self-signed with fixed dates (serial 100C, no
# key identifiers), then re-sign that with the intermediate by `openssl x509 -set_serial -5
# -preserve_dates` (OpenSSL 3.0+; it only re-signs self-signed input), adding the key identifiers.
cat >"$work/negserial.ext" <<EOF
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, $ku_ec
subjectAltName = $san_ok
extendedKeyUsage = serverAuth
[ids]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
issue negserial p256 self 100C "$leaf_start" "$leaf_end" '/CN=dot.test'
run openssl x509 -in "$out/negserial.crt" -CA "$out/intermediate.crt" -CAkey "$out/intermediate.key" \
  -set_serial -5 -preserve_dates -sha256 -extfile "$work/negserial.ext" -extensions ids \
  -out "$work/negserial.crt"
mv "$work/negserial.crt" "$out/negserial.crt"
chain negserial
leaf_ext odd-san "$ku_ec" \
  'DNS:dot.test, IP:127.0.0.1, IP:::1, email:hostmaster@dot.test, URI:https://dot.test/dns-query, RID:1.3.6.1.4.1.99999.1, otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_dns.dot.test, dirName:odd_dir' \
  serverAuth
cat >>"$work/odd-san.ext" <<'EOF'
[odd_dir]
CN = dot.test directory name
EOF
issue odd-san p256 intermediate 100B "$leaf_start" "$leaf_end" '/CN=dot.test'
chain odd-san

# Incomplete chain: the ecdsa leaf alone (key: ecdsa.key).
cp "$out/ecdsa.crt" "$out/leaf-onlyleaf.pem"

# Check that the dates really are the fixed ones.
check_dates() {
  local name=$1 want
  want=$(printf 'notBefore=%s\nnotAfter=%s' "$2" "$3")
  local got
  got=$(openssl x509 -noout -dates -in "$out/$name.crt")
  if [[ $got != "$want" ]]; then
    printf 'make-test-ca: %s has dates\n%s\nwanted\n%s\n' "$name" "$got" "$want" >&2
    exit 1
  fi
}
check_dates root 'Jan  1 00:00:00 2020 GMT' 'Jan  1 00:00:00 2050 GMT'
check_dates expired 'Jan  1 00:00:00 2020 GMT' 'Jan  1 00:00:00 2021 GMT'
check_dates notyet 'Jan  1 00:00:00 2045 GMT' 'Jan  1 00:00:00 2049 GMT'
check_dates negserial 'Jan  1 00:00:00 2020 GMT' 'Dec 31 00:00:00 2049 GMT'

cat >"$out/README" <<'EOF'
Test CA for the dotscan integration tests, written by scripts/make-test-ca.sh (rerun it to remake).
All keys are unencrypted PEM and new on each run; names, serials and dates are fixed.
CA window 2020-01-01..2050-01-01, good leaves 2020-01-01..2049-12-31. Leaves have CN=dot.test
and (unless said otherwise) SAN DNS:dot.test, IP:127.0.0.1, IP:::1 and EKU serverAuth.
Every leaf NAME below has NAME.key, NAME.crt and NAME-chain.pem (NAME.crt then intermediate.crt).
ca.crt               copy of root.crt, the trust anchor to give to clients
root.crt/.key        root CA, RSA 2048, self-signed, CA:TRUE, serial 01
intermediate.crt/.key intermediate CA, RSA 2048, signed by root, CA:TRUE pathlen:0, serial 02
ecdsa                good leaf, ECDSA P-256, issued by intermediate, serial 1001 (+ ecdsa-chain.pem)
rsa                  good leaf, RSA 2048, issued by intermediate, serial 1002 (+ rsa-chain.pem)
expired              leaf valid 2020-01-01..2021-01-01 only, serial 1003
notyet               leaf valid 2045-01-01..2049-01-01 only, serial 1004
selfsigned           self-signed leaf for dot.test, not from the CA, serial 1005 (no chain file)
wrongname            leaf with CN=other.test and SAN DNS:other.test only, serial 1006
nosan                leaf with CN=dot.test and no subjectAltName at all (OpenSSL falls back to CN), serial 1007
weak                 leaf with an RSA 1024 key (servers at SECLEVEL>=2 may need @SECLEVEL=0/1), serial 1008
sha1                 leaf signed with sha1WithRSAEncryption (servers/clients may need @SECLEVEL=0), serial 1009
noeku                leaf with no extendedKeyUsage extension, serial 100A
negserial            leaf with the negative serial number -5, else good (made by re-signing, see the script)
odd-san              leaf with extra SANs email:, URI:, RID:, otherName (SRVName) and dirName, serial 100B
leaf-onlyleaf.pem    copy of ecdsa.crt alone, without the intermediate (incomplete chain; key ecdsa.key)
README               this file
EOF

rm -rf "$work"
echo "test CA written to $out"

#include "test/support/tls_certs.hpp"

#include <fstream>
#include <stdexcept>
#include <string>

#include "test/support/mosquitto_fixture.hpp"

namespace test_mqtt {
namespace {

constexpr const char* kOpenssl = "/usr/bin/openssl";

}  // namespace

TestCertificates::TestCertificates() {
    make_ca("ca", "/CN=dlms2mqtt test CA");
    make_ca("other-ca", "/CN=dlms2mqtt other test CA");
    make_server("server", "IP:127.0.0.1,DNS:localhost");
    make_server("other-name", "DNS:broker.example");
    run_program({kOpenssl, "x509", "-in", ca_file().string(), "-outform", "DER", "-out", ca_der_file().string()},
                dir_ / "openssl.log");
}

// EC keys: quick to make, and the broker accepts them like RSA ones.
void TestCertificates::make_ca(const std::string& name, const std::string& subject) const {
    run_program({kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", (dir_ / (name + ".key")).string(), "-out", (dir_ / (name + ".pem")).string(), "-days", "2",
                 "-subj", subject},
                dir_ / "openssl.log");
}

void TestCertificates::make_server(const std::string& name, const std::string& alt_names) const {
    const auto key = dir_ / (name + ".key");
    const auto csr = dir_ / (name + ".csr");
    const auto ext = dir_ / (name + ".ext");
    std::ofstream(ext) << "basicConstraints = critical, CA:FALSE\n"
                       << "keyUsage = critical, digitalSignature\n"
                       << "extendedKeyUsage = serverAuth\n"
                       << "subjectAltName = " << alt_names << "\n";
    run_program({kOpenssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", key.string(), "-out", csr.string(), "-subj", "/CN=" + name},
                dir_ / "openssl.log");
    run_program({kOpenssl, "x509", "-req", "-in", csr.string(), "-CA", ca_file().string(), "-CAkey",
                 (dir_ / "ca.key").string(), "-CAcreateserial", "-days", "2", "-extfile", ext.string(), "-out",
                 (dir_ / (name + ".pem")).string()},
                dir_ / "openssl.log");
}

}  // namespace test_mqtt

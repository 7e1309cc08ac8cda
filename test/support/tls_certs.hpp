// Throw-away certificates for TLS tests, made with the openssl command line in a private folder
// when the object is built: two unrelated CAs, a broker certificate for 127.0.0.1 and localhost
// signed by the first, and one signed by the same CA for another name only.
#pragma once

#include <filesystem>
#include <string>

#include "test/support/temp_dir.hpp"

namespace test_mqtt {

class TestCertificates {
public:
    // Throws std::runtime_error (with openssl's output) when a certificate cannot be made.
    TestCertificates();  // the folder goes with the object
    TestCertificates(const TestCertificates&) = delete;
    TestCertificates& operator=(const TestCertificates&) = delete;

    std::filesystem::path ca_file() const { return dir_ / "ca.pem"; }              // signed the two below
    std::filesystem::path other_ca_file() const { return dir_ / "other-ca.pem"; }  // signed nothing here
    std::filesystem::path ca_der_file() const { return dir_ / "ca.der"; }          // ca.pem as DER
    // Subject alternative names 127.0.0.1 and localhost.
    std::filesystem::path server_cert() const { return dir_ / "server.pem"; }
    std::filesystem::path server_key() const { return dir_ / "server.key"; }
    // Subject alternative name broker.example only.
    std::filesystem::path other_name_cert() const { return dir_ / "other-name.pem"; }
    std::filesystem::path other_name_key() const { return dir_ / "other-name.key"; }

private:
    void make_ca(const std::string& name, const std::string& subject) const;
    void make_server(const std::string& name, const std::string& alt_names) const;

    testsupport::TempDir dir_{"tls-test-"};
};

}  // namespace test_mqtt

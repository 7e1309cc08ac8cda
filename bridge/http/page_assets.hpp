// The live page's files, built into the binary (cmake/embed_assets.cmake): the page, its script
// and style, and Chart.js from Debian's libjs-chart.js. Each is kept as it is and gzip-compressed;
// the server sends the compressed one to every client that accepts gzip.
#pragma once

#include <span>
#include <string_view>

namespace bridge {

struct PageAsset {
    std::string_view path;          // "/", "/app.js", ...
    std::string_view content_type;  // "text/html; charset=utf-8", ...
    std::string_view etag;          // "\"<MD5 of the file>\"": a browser asks again with it and gets 304
    std::span<const unsigned char> plain;
    std::span<const unsigned char> gzip;
};

std::span<const PageAsset> page_assets();

}  // namespace bridge

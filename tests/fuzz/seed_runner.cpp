// SPDX-License-Identifier: MIT
// fuzz_parser_seeds [--mutations N] PATH...: fuzz_parser.cpp's checks (the parser against the
// reference model, split and byte-by-byte feeding, the size cap, the UTF-8 decoder, the vector
// line-end search against the scalar one) without libFuzzer: on every file of each PATH (a file
// or a directory, such as the seed corpus), then on N inputs made from those files by seeded
// pseudo-random mutations, the same on every machine. For compilers and machines libFuzzer does
// not serve: GCC, and ARM64 under qemu-user (scripts/arm64.sh). Aborts at the first failure, as
// the fuzzer does; prints what it ran otherwise.
//
// Built with QTSSE_FUZZ_HTTP it is fuzz_http_seeds: fuzz_http.cpp's checks (HttpResponseReader),
// with mutations that insert pieces of HTTP framing instead of the event stream's.
#include <QtCore/qbytearray.h>
#include <QtCore/qdir.h>
#include <QtCore/qfile.h>
#include <QtCore/qfileinfo.h>
#include <QtCore/qlist.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

#if defined(QTSSE_FUZZ_HTTP)
const char *const Name = "fuzz_http_seeds";
const char *const Checks = "each against the reference model, whole, split and byte by byte";
#else
const char *const Name = "fuzz_parser_seeds";
const char *const Checks = "each against the reference model, split and byte by byte";
#endif

void runOne(const QByteArray &input)
{
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(input.constData()),
                           size_t(input.size()));
}

// xorshift64: the same sequence on every machine and compiler.
struct Random
{
    std::uint64_t state = 0x9E3779B97F4A7C15ull;
    std::uint64_t next()
    {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
    qsizetype below(qsizetype n) { return n > 0 ? qsizetype(next() % std::uint64_t(n)) : 0; }
};

// One to eight edits of the body (after the control byte and the split offsets, which stay as
// they are): a byte replaced, a token of the format inserted, a span removed or repeated.
QByteArray mutate(const QByteArray &seed, Random &random)
{
    const qsizetype header = seed.isEmpty() ? 0 : 1 + 2 * (uchar(seed.front()) & 0x1F);
    if (seed.size() < header)
        return seed;
    QByteArray input = seed.mid(header);
#if defined(QTSSE_FUZZ_HTTP)
    static const char *const tokens[] = { "\r",
                                          "\n",
                                          "\r\n",
                                          "\r\n\r\n",
                                          ":",
                                          " ",
                                          "\t",
                                          "\0",
                                          ";",
                                          "HTTP/1.1 100 Continue\r\n\r\n",
                                          "HTTP/1.0 200 OK\r\n",
                                          "Transfer-Encoding: chunked\r\n",
                                          "Content-Length: 5\r\n",
                                          "0\r\n\r\n",
                                          "ffffffffffffffff",
                                          "\xFF" };
#else
    static const char *const tokens[] = { "\r",
                                          "\n",
                                          "\r\n",
                                          ":",
                                          " ",
                                          "\0",
                                          "data:",
                                          "event:",
                                          "id:",
                                          "retry:",
                                          "\xEF\xBB\xBF",
                                          "\xC3\xA9",
                                          "\xF0\x9F\x98\x80",
                                          "\xED\xA0\x80",
                                          "\x80",
                                          "\xFF" };
#endif
    const qsizetype edits = 1 + random.below(8);
    for (qsizetype i = 0; i < edits; ++i) {
        const qsizetype at = random.below(input.size() + 1);
        switch (random.below(4)) {
        case 0:
            if (at < input.size())
                input[at] = char(random.below(256));
            break;
        case 1: {
            const char *token = tokens[random.below(std::size(tokens))];
            input.insert(at, token, *token ? qsizetype(std::strlen(token)) : 1);
            break;
        }
        case 2:
            input.remove(at, random.below(16));
            break;
        default:
            input.insert(at, input.mid(at, random.below(32)));
            break;
        }
    }
    return seed.left(header) + input;
}

} // namespace

int main(int argc, char **argv)
{
    qsizetype mutations = 0;
    QList<QByteArray> inputs;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--mutations") == 0 && i + 1 < argc) {
            mutations = std::atoll(argv[++i]);
            continue;
        }
        const QString path = QString::fromLocal8Bit(argv[i]);
        QStringList files;
        if (QFileInfo(path).isDir()) {
            const QDir dir(path);
            for (const QString &name : dir.entryList(QDir::Files, QDir::Name))
                files.append(dir.filePath(name));
        } else {
            files.append(path);
        }
        for (const QString &name : files) {
            QFile file(name);
            if (!file.open(QIODevice::ReadOnly)) {
                std::fprintf(stderr, "%s: cannot read %s\n", Name, qPrintable(name));
                return 1;
            }
            inputs.append(file.readAll());
        }
    }
    if (inputs.isEmpty()) {
        std::fprintf(stderr, "usage: %s [--mutations N] FILE_OR_DIR...\n", Name);
        return 2;
    }
    for (const QByteArray &input : inputs)
        runOne(input);
    Random random;
    for (qsizetype i = 0; i < mutations; ++i)
        runOne(mutate(inputs[random.below(inputs.size())], random));
    std::printf("%s: %lld seed files and %lld mutations of them, %s: no failure\n", Name,
                static_cast<long long>(inputs.size()), static_cast<long long>(mutations), Checks);
    return 0;
}

// SPDX-License-Identifier: MIT
#ifndef QTSSE_EXAMPLE_WINDOWSCONSOLE_H
#define QTSSE_EXAMPLE_WINDOWSCONSOLE_H

// On Windows the window examples (dashboard, tokenstream, widgetsticker) are GUI programs
// (WIN32_EXECUTABLE), so that started from Explorer they open no console window beside their
// own. A GUI program started from a console (cmd, PowerShell) gets no standard output or error
// from it, though: what the examples print (--help, --quit-after's count, the chat's --prompt
// outcome, the in-process demo server's URL, Qt's warnings) would go nowhere.
// attachToParentConsole() gives those that have nowhere to go the console of the program that
// started this one, when it has one; then Qt's logging and QCommandLineParser write there too.
// Streams already redirected (to a file or a pipe: Qt Creator, QProcess, ctest, "> out.txt")
// stay as they are. Attached, the example is tied to that console much as a program started
// from a Linux terminal is to it: closing the console (or Ctrl+C in it) can end the example.
// Unlike a shell on Linux, an interactive cmd does not wait for a GUI program:
// "start /wait tokenstream --prompt ..." waits, and sets %ERRORLEVEL%.
// Anywhere but Windows it does nothing.
//
// Call it first in main(), before anything is printed and before Qt's logging decides where
// its messages go (on the first one). mcpclient is a console program instead (its headless mode
// is what scripts and conformance suites run), and does not need it.
//
// Not run on Windows: it was read against the Win32 documentation and compiled with the MinGW
// cross compiler of scripts/mingw-wine.sh only.

#include <QtCore/qsystemdetection.h>

#ifdef Q_OS_WIN
#  ifndef NOMINMAX
#    define NOMINMAX
#  endif
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  include <windows.h>

#  include <cstdio>
#endif

namespace QtSseExample {

inline void attachToParentConsole()
{
#ifdef Q_OS_WIN
    const auto goesSomewhere = [](DWORD which) {
        const HANDLE handle = GetStdHandle(which);
        return handle != nullptr && handle != INVALID_HANDLE_VALUE;
    };
    const bool output = goesSomewhere(STD_OUTPUT_HANDLE);
    const bool error = goesSomewhere(STD_ERROR_HANDLE);
    if ((output && error) || !AttachConsole(ATTACH_PARENT_PROCESS))
        return; // both redirected, or not started from a console (Explorer)
    // CONOUT$: the attached console's screen buffer.
    if (!output)
        std::freopen("CONOUT$", "w", stdout);
    if (!error)
        std::freopen("CONOUT$", "w", stderr);
#endif
}

} // namespace QtSseExample

#endif // QTSSE_EXAMPLE_WINDOWSCONSOLE_H

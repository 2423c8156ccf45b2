"""Helpers shared by the test modules (a test module imports from here, never from another test module).

world     clock, URLs, settings, free ports, and migrated/seeded SQLite databases copied from templates
telegram  the e2e harness over the Bot API emulator (real PTB Application) and its schedule helpers
zalo      the Zalo runner over the Zalo emulator: one start/stop for every Zalo test
org       a second commune, table dumps for "nothing changed" checks
schedule  the fake bot, services and report rows of the scheduler tests
matrices  the permission matrices (commands every member must be refused)
faultkit  bots run in-process or as killable processes, for the fault and security suites
ptyrun    a child process on a pseudo-terminal (the demo)
"""

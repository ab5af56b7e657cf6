// SPDX-License-Identifier: GPL-3.0-or-later
// The `langevin` executable: the command line of LangevinCommands in one process.
import LangevinCommands

LangevinCommandLine.main()

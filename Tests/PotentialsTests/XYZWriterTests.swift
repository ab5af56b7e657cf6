// SPDX-License-Identifier: GPL-3.0-or-later

import Foundation
import LangevinCore
import LangevinTestSupport
import Potentials
import Testing

@Suite("XYZ trajectories")
struct XYZWriterTests {
    /// A fresh, empty directory under the system's temporary directory.
    func temporaryDirectory() throws -> URL {
        URL(fileURLWithPath: LangevinTestSupport.temporaryDirectory("langevin-xyz", UUID().uuidString),
            isDirectory: true)
    }

    @Test func threeFramesOf2DParticles() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("traj.xyz").path
        let writer = try XYZTrajectoryWriter(path: path, particleDimension: 2)
        try writer.write(positions: [0, 0, 1.5, -0.25], step: 0, energy: -1)
        try writer.write(positions: [0.125, 0, 1.5, 2], step: 100, energy: -12.3)
        try writer.write(positions: [1e-05, -3, 4, 5], comment: "last\nframe")
        #expect(writer.framesWritten == 3)
        try writer.close()
        try writer.close()  // harmless
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == """
            2
            step=0 energy=-1.0
            Ar 0.0 0.0 0.0
            Ar 1.5 -0.25 0.0
            2
            step=100 energy=-12.3
            Ar 0.125 0.0 0.0
            Ar 1.5 2.0 0.0
            2
            last frame
            Ar 1e-05 -3.0 0.0
            Ar 4.0 5.0 0.0

            """)
        // Numbers read back bit for bit.
        #expect(Double("1e-05") == 1e-05)
        let closed = #expect(throws: LangevinError.self) { try writer.write(positions: [0, 0], comment: "") }
        #expect(closed?.code == .io)
    }

    @Test func threeDimensionalFramesAndAppend() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("traj.xyz").path
        do {
            let w = try XYZTrajectoryWriter(path: path, particleDimension: 3, element: "He")
            try w.write(positions: [1, 2, 3], comment: "a")
        }  // closed when the last copy goes away
        let w = try XYZTrajectoryWriter(path: path, particleDimension: 3, element: "He", append: true)
        try w.write(positions: [4, 5, 6], comment: "b")
        try w.close()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "1\na\nHe 1.0 2.0 3.0\n1\nb\nHe 4.0 5.0 6.0\n")
    }

    @Test func unwritablePathIsAnIOError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("missing/subdirectory/traj.xyz").path
        let error = #expect(throws: LangevinError.self) { try XYZTrajectoryWriter(path: path, particleDimension: 2) }
        #expect(error?.code == .io)
        #expect(error?.message.contains(path) == true)
        #expect(error?.message.contains("No such file or directory") == true)
        // A directory cannot be opened as a file either.
        let e2 = #expect(throws: LangevinError.self) { try XYZTrajectoryWriter(path: dir.path, particleDimension: 2) }
        #expect(e2?.code == .io)
    }

    @Test func badShapesAreRejected() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = try XYZTrajectoryWriter(path: dir.appendingPathComponent("t.xyz").path, particleDimension: 2)
        let e = #expect(throws: LangevinError.self) { try w.write(positions: [1, 2, 3], comment: "") }
        #expect(e?.code == .invalidParameter)
        #expect(throws: LangevinError.self) { try XYZTrajectoryWriter(path: "unused.xyz", particleDimension: 4) }
    }
}

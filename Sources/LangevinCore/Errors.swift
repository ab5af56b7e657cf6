// SPDX-License-Identifier: GPL-3.0-or-later

/// An error raised by Langevin: a code that scripts can match and a message that people can read.
public struct LangevinError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarsely; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        @usableFromInline let rawValue: String
        public var description: String { rawValue }
        /// A parameter is out of its domain (dt ≤ 0, T < 0, NaN, …).
        public static let invalidParameter = Code(rawValue: "invalid-parameter")
        /// A name (potential, integrator, generator, variable) is not known.
        public static let unknownName = Code(rawValue: "unknown-name")
        /// An energy expression could not be parsed.
        public static let malformedExpression = Code(rawValue: "malformed-expression")
        /// The energy or its gradient is not finite at the initial point.
        public static let nonFiniteInitialState = Code(rawValue: "non-finite-initial-state")
        /// A run produced a non-finite energy, gradient or state.
        public static let diverged = Code(rawValue: "diverged")
        /// A file could not be read or written, or its content is invalid.
        public static let io = Code(rawValue: "io")
        /// A numerical routine (quadrature, GSL) failed.
        public static let numerical = Code(rawValue: "numerical")
        /// Data are malformed (corrupt or truncated files, inconsistent shapes).
        public static let invalidData = Code(rawValue: "invalid-data")
    }

    public let code: Code
    public let message: String
    /// The library's name of the parameter at fault (`timeStep`, `temperature`, `steps`, `chains`, …), when one is;
    /// a front end maps it to its own spelling (the `langevin` command to its flags: `timeStep` → `--dt`).
    public let parameter: String?

    public init(_ code: Code, _ message: String, parameter: String? = nil) {
        self.code = code
        self.message = message
        self.parameter = parameter
    }

    public var description: String { message }

    public static func invalidParameter(_ message: String, parameter: String? = nil) -> LangevinError {
        .init(.invalidParameter, message, parameter: parameter)
    }
}

/// A run left the finite numbers: the step at which it happened, what went non-finite, and the last finite state.
public struct DivergenceError<Scalar: BinaryFloatingPoint & Sendable>: Error, CustomStringConvertible {
    /// 1-based index of the step whose result was non-finite (counting burn-in steps).
    public let step: Int
    /// Which quantity was non-finite first: "energy", "gradient", "position", "momentum".
    public let quantity: String
    /// The state before the failing step (every number in it finite).
    public let lastFiniteState: LangevinState<Scalar>

    @inlinable public init(step: Int, quantity: String, lastFiniteState: LangevinState<Scalar>) {
        self.step = step
        self.quantity = quantity
        self.lastFiniteState = lastFiniteState
    }

    public var description: String {
        "the run diverged at step \(step): non-finite \(quantity); the last finite state (step \(step - 1)) was kept"
    }

    public var asLangevinError: LangevinError { LangevinError(.diverged, description) }
}

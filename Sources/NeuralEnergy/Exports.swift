// SPDX-License-Identifier: GPL-3.0-or-later

// `import NeuralEnergy` brings the whole network stack: the data sets, the networks and the evaluation it trains
// and reports with. Each also stands alone as its own module.
@_exported import Datasets
@_exported import Evaluation
@_exported import NeuralNetworks

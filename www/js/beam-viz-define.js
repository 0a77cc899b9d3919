// SPDX-License-Identifier: MIT OR Apache-2.0
// Registers <beam-viz>. Embed with: <script type="module" src=".../js/beam-viz-define.js"></script>
import { BeamViz } from './beam-viz.js';

BeamViz.define();

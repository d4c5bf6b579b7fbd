// Package plots draws kenn's figures with gonum.org/v1/plot: predicted
// against exact W2² with quantile bands (DWE's Figure 2), the learned
// distance-weight profiles of DeepKENN (per layer) and ODE-KENN (per time
// step), the Wassmap scatter coloured by class, and grids of images
// (decoded barycenters, interpolations, geodesics, nearest neighbours).
//
// Every figure reads without its caption: axes name their quantity and
// unit (W2² (px²), Wassmap coordinates in px), legends stand right of the
// data with class names (Classes: MNIST digits, Fashion-MNIST's ten
// classes), pred-vs-exact plots give the Pearson r and the relative MSE
// in their title, and image grids label their rows and columns and may
// caption each image (Grid).
//
// The output format follows the file name's extension (.svg, .pdf, …;
// PNG otherwise); every file is written atomically (temporary file, then
// rename).
package plots

// Package plots draws kenn's figures as PNG files with gonum.org/v1/plot:
// predicted against exact W2² with quantile bands (DWE's Figure 2), the
// learned distance-weight profiles of DeepKENN (per layer) and ODE-KENN
// (per time step), the Wassmap scatter coloured by label, and grids of
// images (decoded barycenters, interpolations, geodesics).
//
// Every file is written atomically (temporary file, then rename).
package plots

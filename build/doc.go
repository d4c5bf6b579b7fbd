// Package build compiles a models description into a Gorgonia graph and
// trains it on ground-truth pairs made by the pairs package.
//
// Status: arrives with the training work (issue 3); this package currently
// declares only its contract.
package build

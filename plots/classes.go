package plots

import (
	"path/filepath"
	"strconv"
	"strings"
)

// Classes names the labels of a data set in figures: Heading tops the
// legend ("digit", "class") and Names[k] names label k; a label past the
// end of Names is shown as "class k".
type Classes struct {
	Heading string
	Names   []string
}

// Name is the name of label k.
func (c Classes) Name(k int) string {
	if k >= 0 && k < len(c.Names) && c.Names[k] != "" {
		return c.Names[k]
	}
	return "class " + strconv.Itoa(k)
}

// MNISTDigits names MNIST's labels: the digits 0–9.
func MNISTDigits() Classes {
	c := Classes{Heading: "digit"}
	for d := 0; d < 10; d++ {
		c.Names = append(c.Names, strconv.Itoa(d))
	}
	return c
}

// FashionMNIST names Fashion-MNIST's ten labels, as its authors do
// (github.com/zalandoresearch/fashion-mnist).
func FashionMNIST() Classes {
	return Classes{Heading: "class", Names: []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
		"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}}
}

// ClassesOf guesses the classes of an images file from its path: a path
// with "fashion" in it (data/fashion-mnist/…, kenn fit's work folders of
// a Fashion-MNIST fit) holds Fashion-MNIST, one with "mnist" MNIST
// digits; anything else gets numbered classes.
func ClassesOf(path string) Classes {
	p := strings.ToLower(filepath.ToSlash(path))
	switch {
	case strings.Contains(p, "fashion"):
		return FashionMNIST()
	case strings.Contains(p, "mnist"):
		return MNISTDigits()
	}
	return Classes{Heading: "class"}
}

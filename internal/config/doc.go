// Package config turns flags and PORTICO_* environment variables into a
// validated Config. It is, with cli, the only package that reads either.
package config

// Package internal is a subfolder: Fabric's golang platform packs only the top level.
package internal

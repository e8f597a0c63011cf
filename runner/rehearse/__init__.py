"""`tutorial rehearse`: a class of synthetic participants runs a lesson at once, measured, then cleaned up."""

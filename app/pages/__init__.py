"""One module per page; a page function only composes components."""

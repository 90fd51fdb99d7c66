"""The dashboard's rows, one module each, in the order a responder reads them."""

"""Field data: the requests real users sent, read from the web server's access logs (issue 28)."""

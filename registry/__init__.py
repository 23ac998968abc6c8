"""The truyxuat domain: identifiers, enterprises, products, lots, events, scans."""

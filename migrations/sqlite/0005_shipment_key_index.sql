-- A list filtered by external shipment ids alone reads this index rather than every shipment of the
-- integration: shipment_key is the identity's last column, so shipments_identity cannot serve it.
CREATE INDEX shipments_by_shipment_key ON shipments (integration_id, shipment_key);

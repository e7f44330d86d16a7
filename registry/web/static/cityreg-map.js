/* The map of a city's located deployments, sensors and systems (registry/web/mappage.py).
 *
 * Reads the points (GeoJSON, RFC 7946) from the page's #city-map-data block, draws each as a
 * circle coloured by its category and builds its popup from its properties with DOM methods
 * (no HTML strings, no inline style: the Content-Security-Policy allows neither). Tiles are
 * loaded only when the page names a tile URL (data-tiles); without one, or when they fail, the
 * background stays plain with lines of latitude and longitude and a scale.
 */
(function () {
  "use strict";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function link(href, text) {
    var anchor = element("a", null, text);
    anchor.href = href;
    return anchor;
  }

  /* A fact in one of its three states: its values, or "not disclosed" / "not recorded" in
     italics (never as if it were a value). */
  function fact(list, label, recorded) {
    list.appendChild(element("dt", null, label));
    var dd = element("dd");
    if (recorded.state === "recorded") {
      dd.textContent = recorded.values.join("; ");
    } else {
      dd.appendChild(element("span", "map-gap", recorded.state));
    }
    list.appendChild(dd);
  }

  function accessList(access, traceHref) {
    var dd = element("dd");
    if (!access.traced) {
      dd.appendChild(element("span", "map-gap", "the registry records no dataset from it: nothing to trace"));
      return dd;
    }
    if (access.organisations.length === 0) {
      dd.appendChild(document.createTextNode("no organisation recorded"));
    } else {
      var list = element("ul");
      access.organisations.forEach(function (org) {
        var item = element("li");
        item.appendChild(org.href ? link(org.href, org.label) : document.createTextNode(org.label));
        if (org.identityNotDisclosed) {
          item.appendChild(document.createTextNode(" (identity not disclosed: " + org.identityNotDisclosed + ")"));
        }
        item.appendChild(document.createTextNode(": "));
        item.appendChild(element("span", "grade", org.grade));
        list.appendChild(item);
      });
      dd.appendChild(list);
    }
    if (!access.complete) {
      dd.appendChild(element("p", null, "Incomplete: the search stopped at a limit."));
    }
    if (access.gaps) {
      dd.appendChild(element("p", "map-gap", "The trace met " + access.gaps + (access.gaps === 1 ? " fact" : " facts") + " not disclosed or not recorded."));
    }
    return dd;
  }

  function findingsList(findings, benchmarks) {
    var dd = element("dd");
    if (findings === null) {
      dd.appendChild(element("span", "map-gap", "legal checks not installed"));
      return dd;
    }
    if (findings.length === 0) {
      dd.appendChild(document.createTextNode("none binding"));
    } else {
      var list = element("ul");
      findings.forEach(function (finding) {
        var item = element("li");
        item.appendChild(element("span", "severity severity-" + finding.severity, finding.severity));
        item.appendChild(document.createTextNode(" " + finding.rule + (finding.kind ? " (" + finding.kind + ")" : "") + ": " + finding.message));
        list.appendChild(item);
      });
      dd.appendChild(list);
    }
    if (benchmarks) {
      dd.appendChild(element("p", "map-gap", benchmarks + (benchmarks === 1 ? " benchmark" : " benchmarks") + " (law that does not bind where it is, or good practice) on its page."));
    }
    return dd;
  }

  function popup(properties) {
    var box = element("div", "map-popup");
    var title = element("h2");
    title.appendChild(properties.links.entity ? link(properties.links.entity, properties.label) : document.createTextNode(properties.label));
    box.appendChild(title);
    var category = element("p");
    category.appendChild(element("span", "map-category map-category-" + properties.category, properties.categoryLabel));
    category.appendChild(document.createTextNode(" " + properties.kind + (properties.collects.length ? ": " + properties.collects.join(", ") : "")));
    box.appendChild(category);
    var facts = element("dl");
    fact(facts, "Operator", properties.operator);
    fact(facts, "Purpose", properties.purpose);
    fact(facts, "Retention", properties.retention);
    facts.appendChild(element("dt", null, "Who can access the data"));
    facts.appendChild(accessList(properties.access, properties.links.trace));
    facts.appendChild(element("dt", null, "Open findings"));
    facts.appendChild(findingsList(properties.findings, properties.benchmarks));
    facts.appendChild(element("dt", null, "Location"));
    facts.appendChild(element("dd", properties.locationPrecision ? null : "map-gap",
      properties.locationPrecision || "what the point stands for is not recorded"));
    box.appendChild(facts);
    var links = element("p", "map-links");
    if (properties.links.entity) { links.appendChild(link(properties.links.entity, "Entity page")); }
    if (properties.links.trace) { links.appendChild(link(properties.links.trace, "Who can access (trace)")); }
    box.appendChild(links);
    return box;
  }

  /* Lines of latitude and longitude every 'step' degrees, about 4 to 10 across the view. */
  function graticule(map, layer) {
    var steps = [30, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005];
    function draw() {
      layer.clearLayers();
      var bounds = map.getBounds();
      var span = Math.min(bounds.getNorth() - bounds.getSouth(), bounds.getEast() - bounds.getWest());
      var step = steps[steps.length - 1];
      for (var i = 0; i < steps.length; i += 1) {
        if (span / steps[i] >= 4) { step = steps[i]; break; }
      }
      var south = Math.max(-85, Math.floor(bounds.getSouth() / step) * step);
      var north = Math.min(85, Math.ceil(bounds.getNorth() / step) * step);
      var west = Math.max(-180, Math.floor(bounds.getWest() / step) * step);
      var east = Math.min(180, Math.ceil(bounds.getEast() / step) * step);
      south = Math.max(-85, south - step); north = Math.min(85, north + step);
      west = Math.max(-180, west - step); east = Math.min(180, east + step);
      var style = { className: "graticule", weight: 1, opacity: 0.6, interactive: false };
      var digits = Math.max(0, Math.ceil(-Math.log10(step)));
      var labelWest = bounds.getWest() + (bounds.getEast() - bounds.getWest()) * 0.01;
      var labelNorth = bounds.getNorth() - (bounds.getNorth() - bounds.getSouth()) * 0.01;
      for (var lat = south; lat <= north + step / 2; lat += step) {
        layer.addLayer(L.polyline([[lat, west], [lat, east]], style));
        layer.addLayer(label([lat, labelWest], Math.abs(lat).toFixed(digits) + "° " + (lat < 0 ? "S" : "N")));
      }
      for (var lon = west; lon <= east + step / 2; lon += step) {
        layer.addLayer(L.polyline([[south, lon], [north, lon]], style));
        layer.addLayer(label([labelNorth, lon], Math.abs(lon).toFixed(digits) + "° " + (lon < 0 ? "W" : "E")));
      }
    }
    function label(at, text) {
      return L.marker(at, { interactive: false, keyboard: false,
        icon: L.divIcon({ className: "graticule-label", html: "", iconSize: null }) })
        .on("add", function (event) { event.target.getElement().textContent = text; });
    }
    map.on("moveend", draw);
    draw();
  }

  function start() {
    var container = document.getElementById("city-map");
    var data = document.getElementById("city-map-data");
    var status = document.getElementById("city-map-status");
    if (!container || !data || typeof L === "undefined") { return; }
    var collection = JSON.parse(data.textContent);
    container.textContent = "";
    var map = L.map(container, { zoomSnap: 0.5, attributionControl: false });
    L.control.scale({ imperial: false }).addTo(map);
    var lines = L.layerGroup().addTo(map);
    var template = container.getAttribute("data-tiles");
    if (template) {
      var failed = false;
      L.control.attribution({ prefix: false }).addAttribution("Tiles: " + container.getAttribute("data-tiles-host")).addTo(map);
      L.tileLayer(template, { maxZoom: 19 }).on("tileerror", function () {
        if (failed) { return; }
        failed = true;
        container.classList.add("tiles-failed");
        graticule(map, lines);
        if (status) { status.textContent = "Background: the map tiles from " + container.getAttribute("data-tiles-host") + " could not be loaded, so the background is plain, with lines of latitude and longitude and a scale."; }
      }).addTo(map);
    }
    var markers = L.featureGroup().addTo(map);
    collection.features.forEach(function (feature) {
      var coordinates = feature.geometry.coordinates;  /* GeoJSON: [longitude, latitude] */
      var properties = feature.properties;
      var marker = L.circleMarker([coordinates[1], coordinates[0]], {
        radius: 9, color: "#1b1f23", weight: 1.5, fillColor: properties.colour, fillOpacity: 0.9,
        className: "map-marker map-marker-" + properties.category
      });
      marker.bindPopup(function () { return popup(properties); }, { maxWidth: 360 });
      marker.bindTooltip(properties.label + " (" + properties.categoryLabel + ")");
      marker.on("add", function () {
        var path = marker.getElement();
        if (path) {
          path.setAttribute("data-id", properties.id);
          path.setAttribute("aria-label", properties.label + ", " + properties.categoryLabel);
        }
      });
      markers.addLayer(marker);
    });
    if (collection.features.length) {
      map.fitBounds(markers.getBounds().pad(0.2), { maxZoom: 14 });
    } else {
      map.setView([0, 0], 2);
    }
    if (!template) { graticule(map, lines); }
    container.setAttribute("data-markers", String(collection.features.length));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());

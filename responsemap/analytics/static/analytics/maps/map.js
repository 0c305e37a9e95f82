// The map: boundaries of the chosen level coloured by the page's counts, and the
// records counted per grid square in view, fetched again as the view moves. Every
// number comes from the server as an aggregate; without Leaflet the page still has
// the legend and the table.
(function () {
  "use strict";
  const configNode = document.getElementById("map-config");
  const box = document.getElementById("map");
  if (!configNode || !box) return;
  const config = JSON.parse(configNode.textContent);
  const note = document.getElementById("map-note");
  if (typeof L === "undefined") {
    box.hidden = true;
    return;
  }
  const lang = document.documentElement.lang || undefined;
  const number = new Intl.NumberFormat(lang);
  const words = config.words;
  const colours = ["#ffffff", "#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  const map = L.map(box, { zoomSnap: 1, worldCopyJump: false, attributionControl: !!config.tiles });
  map.setView([0, 0], 2);

  const overlays = {};
  const bases = {};
  if (config.tiles) {
    bases[words.background] = L.tileLayer(config.tiles, {
      attribution: config.attribution || "",
      maxZoom: 18,
    }).addTo(map);
  }
  const areas = L.featureGroup().addTo(map);
  const areaLabels = L.layerGroup().addTo(map);
  const positions = L.layerGroup().addTo(map);
  overlays[words.areas] = areas;
  overlays[words.areaCounts] = areaLabels;
  overlays[words.positions] = positions;
  L.control.layers(bases, overlays, { collapsed: true }).addTo(map);

  function countOf(id) {
    return config.areas[String(id)] || { records: 0, class: 0 };
  }

  function label(records) {
    return records ? number.format(records) + " " + words.records : words.noRecords;
  }

  let boundaryZoom = null;
  let boundaryRequest = null;
  let fitted = false;

  function loadBoundaries() {
    if (config.level === null || config.level === undefined) {
      fitted = true;
      loadGrid();
      return;
    }
    const zoom = fitted ? Math.min(map.getZoom(), 14) : 0;
    if (zoom === boundaryZoom) return;
    boundaryZoom = zoom;
    if (boundaryRequest) boundaryRequest.abort();
    boundaryRequest = new AbortController();
    const url = config.boundaries + "?level=" + config.level + "&zoom=" + zoom;
    fetch(url, { signal: boundaryRequest.signal, credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((collection) => {
        areas.clearLayers();
        areaLabels.clearLayers();
        const few = collection.features.length <= 40;
        const drawn = L.geoJSON(collection, {
          style: (feature) => ({
            color: "#33414e",
            weight: 1,
            fillColor: colours[countOf(feature.id).class] || colours[0],
            fillOpacity: 0.7,
          }),
          onEachFeature: (feature, layer) => {
            const found = countOf(feature.id);
            const text = feature.properties.name + ": " + label(found.records);
            layer.bindTooltip(text, { sticky: true });
            if (few) {
              // The number on the map too: colour is never the only signal.
              L.marker(layer.getBounds().getCenter(), {
                icon: L.divIcon({
                  className: "area-label",
                  html: "<span>" + number.format(found.records) + "</span>",
                  iconSize: null,
                }),
                keyboard: false,
                interactive: false,
              }).addTo(areaLabels);
            }
          },
        });
        drawn.addTo(areas);
        if (!fitted && areas.getLayers().length) {
          fitted = true;
          map.fitBounds(areas.getBounds(), { padding: [8, 8] });
        } else if (!fitted) {
          fitted = true;
          loadGrid();
        }
      })
      .catch(() => {});
  }

  let gridRequest = null;

  function cellIcon(records, exact) {
    const digits = String(records).length;
    const size = Math.min(46, 20 + digits * 6);
    return L.divIcon({
      className: "",
      html: '<span class="map-count' + (exact ? " exact" : "") + '" style="inline-size:' + size +
        "px;block-size:" + size + 'px">' + number.format(records) + "</span>",
      iconSize: [size, size],
    });
  }

  function loadGrid() {
    if (!fitted) return;
    if (gridRequest) gridRequest.abort();
    gridRequest = new AbortController();
    const params = new URLSearchParams(config.query);
    params.set("bbox", map.getBounds().toBBoxString());
    params.set("zoom", String(map.getZoom()));
    fetch(config.grid + "?" + params.toString(), {
      signal: gridRequest.signal,
      credentials: "same-origin",
    })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((found) => {
        positions.clearLayers();
        for (const cell of found.cells) {
          if (!found.exact) {
            L.rectangle(cell.bounds, { color: "#b8430f", weight: 1, fill: false, interactive: false })
              .addTo(positions);
          }
          L.marker(cell.centre, {
            icon: cellIcon(cell.records, found.exact),
            keyboard: false,
            title: label(cell.records),
          }).addTo(positions);
        }
        let text = found.exact
          ? words.exactNote
          : words.gridNote.replace("%(km)s", number.format(found.km));
        if (found.capped) text += " " + words.capped;
        note.textContent = text;
      })
      .catch(() => {});
  }

  map.on("moveend", loadGrid);
  map.on("zoomend", loadBoundaries);
  loadBoundaries();
})();

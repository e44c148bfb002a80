// SPDX-License-Identifier: MIT
import QtQuick

// A sparkline of the last values, drawn on a Canvas.
Canvas {
    id: canvas
    property list<real> values // empty by default; no `: []` for Qt Creator 9 (see Main.qml)
    property color lineColor: "#58a6ff"
    onValuesChanged: requestPaint()
    onPaint: {
        const ctx = getContext("2d")
        ctx.reset()
        if (canvas.values.length < 2)
            return
        let lo = Math.min(...canvas.values), hi = Math.max(...canvas.values)
        if (hi - lo < 1e-9) { hi += 1; lo -= 1 }
        const step = canvas.width / (canvas.values.length - 1)
        const y = v => canvas.height - 6 - (v - lo) / (hi - lo) * (canvas.height - 12)
        ctx.lineWidth = 2
        ctx.strokeStyle = canvas.lineColor
        ctx.beginPath()
        canvas.values.forEach((v, i) => i === 0 ? ctx.moveTo(0, y(v)) : ctx.lineTo(i * step, y(v)))
        ctx.stroke()
        ctx.lineTo(canvas.width, canvas.height)
        ctx.lineTo(0, canvas.height)
        ctx.closePath()
        ctx.fillStyle = Qt.rgba(canvas.lineColor.r, canvas.lineColor.g, canvas.lineColor.b, 0.15)
        ctx.fill()
    }
}

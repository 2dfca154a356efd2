import Foundation

extension GreyImage {
    /// The page's skew in degrees (counter-clockwise positive, as the page was turned on the scanner), from the ink:
    /// the angle at which the ink's rows line up best (the sum of squares of a sheared row projection is highest).
    /// Ruled lines dominate it, so a table page gives a sharp answer; a blank page gives 0.
    func skewDegrees(ink: UInt8, maxDegrees: Double = 1.5, step: Double = 0.05) -> Double {
        var points: [(Double, Double)] = []
        // Every row but every fourth column: skipping rows would itself favour the angle 0.
        for y in 0..<height {
            for x in stride(from: 0, to: width, by: 4) where self[x, y] < ink { points.append((Double(x), Double(y))) }
        }
        guard points.count >= 200 else { return 0 }
        var best = (angle: 0.0, score: 0.0)
        let steps = Int((maxDegrees / step).rounded())
        var bins = [Double](repeating: 0, count: height + 2 * width + 8)
        for k in -steps...steps {
            let angle = Double(k) * step
            let slope = tan(angle * .pi / 180)
            for i in bins.indices { bins[i] = 0 }
            let offset = Double(width) * slope.magnitude + 2
            for (x, y) in points {
                let b = Int((y + x * slope + offset).rounded())
                if b >= 0, b < bins.count { bins[b] += 1 }
            }
            let score = bins.reduce(0) { $0 + $1 * $1 }
            if score > best.score { best = (angle, score) }
        }
        return best.angle
    }

    /// The image turned by `degrees` about its centre, counter-clockwise for a positive angle as `skewDegrees`
    /// measures it (so `rotated(degrees: -skew)` straightens a page); bilinear; what comes in from outside is paper.
    func rotated(degrees: Double) -> GreyImage {
        let a = degrees * .pi / 180
        let (c, s) = (cos(a), sin(a))
        let cx = Double(width) / 2
        let cy = Double(height) / 2
        var out = GreyImage(width: width, height: height)
        for y in 0..<height {
            let dy = Double(y) - cy
            for x in 0..<width {
                let dx = Double(x) - cx
                let sx = cx + c * dx - s * dy
                let sy = cy + s * dx + c * dy
                let x0 = Int(sx.rounded(.down))
                let y0 = Int(sy.rounded(.down))
                guard x0 >= 0, y0 >= 0, x0 + 1 < width, y0 + 1 < height else { continue }
                let fx = sx - Double(x0)
                let fy = sy - Double(y0)
                let top = Double(self[x0, y0]) * (1 - fx) + Double(self[x0 + 1, y0]) * fx
                let bottom = Double(self[x0, y0 + 1]) * (1 - fx) + Double(self[x0 + 1, y0 + 1]) * fx
                out[x, y] = UInt8((top * (1 - fy) + bottom * fy).rounded())
            }
        }
        return out
    }
}
